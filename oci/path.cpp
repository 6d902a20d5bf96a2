#include "oci/path.hpp"

#include <vector>

namespace oci {

std::string lexical_clean(const std::string& p) {
    const bool abs = !p.empty() && p[0] == '/';
    std::vector<std::string> out;
    size_t i = 0;
    while (i <= p.size()) {
        size_t j = p.find('/', i);
        if (j == std::string::npos) j = p.size();
        std::string part = p.substr(i, j - i);
        i = j + 1;
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (!out.empty() && out.back() != "..")
                out.pop_back();
            else if (!abs)
                out.push_back("..");
            continue;
        }
        out.push_back(std::move(part));
    }
    std::string r = abs ? "/" : "";
    for (size_t k = 0; k < out.size(); ++k) r += (k ? "/" : "") + out[k];
    return r.empty() ? "." : r;
}

}  // namespace oci
