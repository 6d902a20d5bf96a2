// Errors about config.json (and other spec documents) that name the JSON
// path of the offending field, e.g.
//   config.json: linux.uidMappings[1].size: must be greater than 0
#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>

namespace oci {

// A value quoted in an error message: at most `max` bytes of it (a hostile
// config.json must not make ucrun echo 128 KiB back into a log), control
// bytes and quotes escaped so that nothing reaches a terminal unescaped.
inline std::string excerpt(const std::string& value, size_t max = 64) {
    std::string out = "\"";
    for (size_t i = 0; i < value.size() && i < max; ++i) {
        unsigned char c = static_cast<unsigned char>(value[i]);
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    out += value.size() > max ? "\"... (" + std::to_string(value.size()) + " bytes)" : "\"";
    return out;
}

class SpecError : public std::runtime_error {
public:
    // `document` is "config.json", "process.json", ...; `path` is the JSON
    // path in dotted form with [i] indices ("" for the document itself).
    SpecError(std::string document, std::string path, std::string reason)
        : std::runtime_error(format(document, path, reason)),
          document_(std::move(document)), path_(std::move(path)), reason_(std::move(reason)) {}

    const std::string& document() const { return document_; }
    const std::string& path() const { return path_; }
    const std::string& reason() const { return reason_; }

private:
    static std::string format(const std::string& doc, const std::string& path, const std::string& reason) {
        return path.empty() ? doc + ": " + reason : doc + ": " + path + ": " + reason;
    }
    std::string document_, path_, reason_;
};

}  // namespace oci
