# hurdle_add_suite(NAME FILES suite.yaml... [ARGS arg...] [PROFILE_PATH dir...])
#
# Adds the CTest test `hurdle.NAME`, which runs `hurdle run FILES... ARGS...`: it passes when
# every scenario passes (exit 0) and fails on a failed scenario (1), bad input (2) or a broken
# infrastructure (3). Reports and a JUnit file go to BUILD/hurdle-reports/NAME/. Relative FILES
# are taken from the current source folder; PROFILE_PATH adds folders where machine profiles
# are looked for (HURDLE_PROFILE_PATH). Available after find_package(hurdle), and in hurdle's
# own build.
function(hurdle_add_suite name)
  cmake_parse_arguments(arg "" "" "FILES;ARGS;PROFILE_PATH" ${ARGN})
  if(NOT arg_FILES)
    message(FATAL_ERROR "hurdle_add_suite(${name}): FILES must name at least one suite file")
  endif()
  set(files "")
  foreach(file IN LISTS arg_FILES)
    get_filename_component(absolute "${file}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND files "${absolute}")
  endforeach()
  set(report_dir "${CMAKE_BINARY_DIR}/hurdle-reports/${name}")
  add_test(NAME hurdle.${name}
    COMMAND hurdle::hurdle_cli run ${files} --report-dir "${report_dir}"
            --junit "${report_dir}/junit.xml" ${arg_ARGS})
  if(arg_PROFILE_PATH)
    string(JOIN ":" profile_path ${arg_PROFILE_PATH})
    set_tests_properties(hurdle.${name} PROPERTIES ENVIRONMENT "HURDLE_PROFILE_PATH=${profile_path}")
  endif()
endfunction()
