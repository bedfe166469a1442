# Prints how many warnings Doxygen logged (non-strict docs builds); strict builds fail in Doxygen.
if(EXISTS "${LOG}")
  file(STRINGS "${LOG}" lines REGEX "warning:")
  list(LENGTH lines n)
  file(STRINGS "${LOG}" undocumented REGEX "is not documented")
  list(LENGTH undocumented n_undocumented)
  message(STATUS "Doxygen: ${n} warnings (${n_undocumented} undocumented names), listed in ${LOG}; "
                 "-DINFOMORPH_DOXYGEN_STRICT=ON makes them errors")
endif()
