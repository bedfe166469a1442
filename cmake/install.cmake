# Installation: headers (with the generated version.hpp), the CMake package infomorph::infomorph
# with its version file, infomorph.pc, and the shipped MNIST for the installed `infomorph train`.
set(INFOMORPH_CMAKE_DIR ${CMAKE_INSTALL_DATADIR}/cmake/infomorph)

install(TARGETS infomorph EXPORT infomorphTargets)
install(DIRECTORY include/infomorph DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/include/infomorph/version.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/infomorph)
install(EXPORT infomorphTargets NAMESPACE infomorph:: DESTINATION ${INFOMORPH_CMAKE_DIR})
configure_package_config_file(cmake/infomorphConfig.cmake.in ${PROJECT_BINARY_DIR}/infomorphConfig.cmake
  INSTALL_DESTINATION ${INFOMORPH_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/infomorphConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/infomorphConfig.cmake ${PROJECT_BINARY_DIR}/infomorphConfigVersion.cmake
  DESTINATION ${INFOMORPH_CMAKE_DIR})

# pkg-config: a relocatable prefix (pcfiledir), so an install moved elsewhere still works.
file(RELATIVE_PATH INFOMORPH_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_DATADIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" INFOMORPH_PC_TO_PREFIX "${INFOMORPH_PC_TO_PREFIX}")
configure_file(cmake/infomorph.pc.in ${PROJECT_BINARY_DIR}/infomorph.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/infomorph.pc DESTINATION ${CMAKE_INSTALL_DATADIR}/pkgconfig)

install(FILES LICENSE CHANGELOG.md CITATION.cff DESTINATION ${CMAKE_INSTALL_DOCDIR})
if(INFOMORPH_BUILD_TOOLS)  # the installed `infomorph train` finds it there (tools/infomorph/data_location.hpp)
  install(DIRECTORY data/mnist/ DESTINATION ${CMAKE_INSTALL_DATADIR}/infomorph/data/mnist)
endif()
