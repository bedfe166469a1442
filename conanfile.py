import os
import re

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout
from conan.tools.files import load

required_conan_version = ">=2.0"


class InfomorphConan(ConanFile):
    name = "infomorph"
    description = "Partial information decomposition (I^sx) and infomorphic neural networks, header-only C++20"
    license = "MIT"
    topics = ("partial-information-decomposition", "information-theory", "neural-networks", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps"
    exports_sources = ("CMakeLists.txt", "cmake/*", "include/*", "docs/api.md",
                       "LICENSE", "CHANGELOG.md", "CITATION.cff")
    no_copy_source = True

    def set_version(self):
        # One source of the version: the CMake project.
        text = load(self, os.path.join(self.recipe_folder, "CMakeLists.txt"))
        self.version = re.search(r"project\(infomorph VERSION (\d+\.\d+\.\d+)", text).group(1)

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        # The headers include theirs: transitive_headers. Ranges: the versions tested (Debian 12's).
        self.requires("xtensor/[>=0.24.3 <0.25]", transitive_headers=True)
        self.requires("xtensor-blas/[>=0.20 <0.21]", transitive_headers=True)
        self.requires("xsimd/[>=8.1 <9]", transitive_headers=True)
        self.requires("xtl/[>=0.7.2 <0.8]", transitive_headers=True)
        self.requires("openblas/[>=0.3.20 <0.4]")
        self.requires("zlib/[>=1.2.11 <2]", transitive_headers=True)

    def validate(self):
        check_min_cppstd(self, 20)

    def generate(self):
        tc = CMakeToolchain(self)
        # Only the library is packaged: no tests, benchmarks, examples or tools.
        for option in ("TESTS", "BENCHMARKS", "EXAMPLES", "TOOLS"):
            tc.cache_variables[f"INFOMORPH_BUILD_{option}"] = False
        tc.cache_variables["INFOMORPH_INSTALL"] = True
        tc.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()  # generates infomorph/version.hpp

    def package(self):
        CMake(self).install()

    def package_id(self):
        self.info.clear()

    def _platform_dependency(self, name):
        try:
            return not self.dependencies[name].cpp_info.aggregated_components().libs
        except KeyError:
            return True

    def package_info(self):
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.set_property("cmake_file_name", "infomorph")
        self.cpp_info.set_property("cmake_target_name", "infomorph::infomorph")
        self.cpp_info.set_property("pkg_config_name", "infomorph")
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs.append("pthread")
        # A dependency mapped to a system package ([platform_requires], e.g. the debian12
        # profile) adds nothing to the link line: name its library here so consumers link.
        # Such a dependency is not in self.dependencies at all.
        for dep, lib in (("openblas", "openblas"), ("zlib", "z")):
            if self._platform_dependency(dep):
                self.cpp_info.system_libs.append(lib)
        # The 4-source lattice is computed at compile time; clang's default budget is too small.
        if self.settings.compiler == "clang":
            self.cpp_info.cxxflags.append("-fconstexpr-steps=100000000")
