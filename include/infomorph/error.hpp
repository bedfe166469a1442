#pragma once
/// \file
/// The one exception type of the library. Every refusal (bad argument, malformed file,
/// misuse of a network) throws infomorph::error with a message that names the file, flag or
/// field and the problem; programs print what() as it is.

#include <stdexcept>
#include <string>

namespace infomorph {

/// The exception every refusal of the library throws; what() names the file, flag or field and the problem.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace infomorph
