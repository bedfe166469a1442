# Builds one compile-failure case and checks the compiler's verdict (tests/compile_fail/).
#   cmake -D BUILD_DIR=<build tree> -D TARGET=<object target> -D SOURCE=<case .cpp> [-D CONFIG=<config>]
#         -P expect_failure.cmake
# The case's lines `// expect-error: REGEX` say what the compiler must write; a case without
# such lines must compile. A case that is expected to fail passes only if the build fails with a
# diagnostic located in the case's own file and every REGEX matches the build's output: a
# missing file, an unknown target or a typo in the case does not count as the intended failure.
foreach(var BUILD_DIR TARGET SOURCE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "expect_failure.cmake needs -D ${var}=...")
  endif()
endforeach()

file(STRINGS "${SOURCE}" expect_lines REGEX "^// expect-error: ")
set(build_args --build "${BUILD_DIR}" --target "${TARGET}")
if(CONFIG)
  list(APPEND build_args --config "${CONFIG}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" ${build_args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
get_filename_component(case_name "${SOURCE}" NAME)

if(NOT expect_lines)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${case_name} must compile (the control case) but its build failed:\n${out}")
  endif()
  message(STATUS "${case_name} compiles, as it must")
  return()
endif()

if(rc EQUAL 0)
  message(FATAL_ERROR "${case_name} compiled, but it must be rejected")
endif()
string(REGEX REPLACE "\\." "\\\\." case_regex "${case_name}")
if(NOT out MATCHES "${case_regex}:[0-9]+")
  message(FATAL_ERROR "the build of ${case_name} failed without a diagnostic in the case itself:\n${out}")
endif()
foreach(line IN LISTS expect_lines)
  string(REGEX REPLACE "^// expect-error: " "" regex "${line}")
  if(NOT out MATCHES "${regex}")
    message(FATAL_ERROR "${case_name} was rejected, but the compiler's output does not match '${regex}':\n${out}")
  endif()
  message(STATUS "${case_name}: rejected with '${regex}'")
endforeach()
