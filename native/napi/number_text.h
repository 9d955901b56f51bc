#pragma once
// Numbers in messages as the user wrote them: std::to_string prints six decimals, so a
// bad -1e-7 read "-0.000000" and a threshold of 1e-12 read "0.000000".
#include <string>

namespace fer {

/** The shortest decimal that reads back as exactly `value` (1e-07, 0.1, 4294967297). */
std::string numberText(double value);

}  // namespace fer
