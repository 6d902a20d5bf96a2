// Errors about config.json (and other spec documents) that name the JSON
// path of the offending field, e.g.
//   config.json: linux.uidMappings[1].size: must be greater than 0
#pragma once

#include <stdexcept>
#include <string>

namespace oci {

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
