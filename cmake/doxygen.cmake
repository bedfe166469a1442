# The `docs` target: the Doxygen API reference of the public headers (not part of `all`).
# INFOMORPH_DOXYGEN_STRICT=ON makes every Doxygen warning an error, undocumented public names
# included; OFF writes the warnings to build/docs/warnings.log and reports their count.
find_package(Doxygen QUIET)
if(NOT DOXYGEN_FOUND)
  return()
endif()
if(INFOMORPH_DOXYGEN_STRICT)
  set(INFOMORPH_DOXYGEN_WARN_AS_ERROR FAIL_ON_WARNINGS)
  set(INFOMORPH_DOXYGEN_WARN_LOGFILE "")
else()
  set(INFOMORPH_DOXYGEN_WARN_AS_ERROR NO)
  set(INFOMORPH_DOXYGEN_WARN_LOGFILE ${PROJECT_BINARY_DIR}/docs/warnings.log)
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/Doxyfile.in ${PROJECT_BINARY_DIR}/Doxyfile @ONLY)
add_custom_target(docs
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/docs
  COMMAND Doxygen::doxygen ${PROJECT_BINARY_DIR}/Doxyfile
  COMMAND ${CMAKE_COMMAND} -DLOG=${PROJECT_BINARY_DIR}/docs/warnings.log -P ${CMAKE_CURRENT_LIST_DIR}/doxygen_report.cmake
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "Doxygen: API reference in ${PROJECT_BINARY_DIR}/docs/html"
  VERBATIM)
