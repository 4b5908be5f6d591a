# pb_add_backend(NAME SOURCES... [LIBS ...])
#   Builds the backend plugin pb_backend_NAME.so into the build tree's plugin
#   folder and installs it into the installed one.  Only the ABI symbols are
#   exported.
function(pb_add_backend name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;INCLUDES" ${ARGN})
  set(tgt pb_backend_${name})
  add_library(${tgt} MODULE ${ARG_SOURCES})
  target_include_directories(${tgt} PRIVATE ${PROJECT_SOURCE_DIR}/core/include ${ARG_INCLUDES})
  target_link_libraries(${tgt} PRIVATE ${ARG_LIBS})
  set_target_properties(${tgt} PROPERTIES PREFIX "" C_VISIBILITY_PRESET hidden
                        LIBRARY_OUTPUT_DIRECTORY ${PB_BUILD_PLUGIN_DIR})
  install(TARGETS ${tgt} LIBRARY DESTINATION ${PB_PLUGIN_SUBDIR})
endfunction()

# pb_add_experiment(NAME SOURCES... [LIBS ...]): the same for experiment
# plugins (pb_experiment_NAME.so).
function(pb_add_experiment name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  set(tgt pb_experiment_${name})
  add_library(${tgt} MODULE ${ARG_SOURCES})
  target_include_directories(${tgt} PRIVATE ${PROJECT_SOURCE_DIR}/core/include)
  target_link_libraries(${tgt} PRIVATE ${ARG_LIBS} m)
  set_target_properties(${tgt} PROPERTIES PREFIX "" C_VISIBILITY_PRESET hidden
                        LIBRARY_OUTPUT_DIRECTORY ${PB_BUILD_PLUGIN_DIR})
  install(TARGETS ${tgt} LIBRARY DESTINATION ${PB_PLUGIN_SUBDIR})
endfunction()
