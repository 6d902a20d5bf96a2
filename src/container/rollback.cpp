#include "container/rollback.hpp"

namespace ucrun::container {

Rollback::~Rollback() {
    for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
        try {
            it->second();
        } catch (...) {  // a destructor: see the header
        }
    }
}

void Rollback::add(std::string what, std::function<void()> undo) { steps_.emplace_back(std::move(what), std::move(undo)); }

std::vector<std::string> Rollback::pending() const {
    std::vector<std::string> out;
    for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) out.push_back(it->first);
    return out;
}

}  // namespace ucrun::container
