/* A valid shared object without the plugin symbols. */
int pb_test_not_a_plugin(void);
int pb_test_not_a_plugin(void) { return 42; }
