#include <stdio.h>
int main(void) { puts("phasebench: under construction"); return 0; }
