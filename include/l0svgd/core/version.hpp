#pragma once

namespace l0svgd {
/// Git revision of the source tree at configure time ("unknown" outside a checkout).
const char* git_revision();
/// Semantic version of the l0svgd library.
const char* version_string();
} // namespace l0svgd
