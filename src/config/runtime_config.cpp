#include "config/runtime_config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <set>
#include <sstream>
#include <vector>

#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/io.hpp"

namespace ucrun::config {

namespace {

// Errors name the file, the line (1-based) and the dotted key.
class Where {
public:
    explicit Where(const std::string& path) : path_(path) {}
    [[noreturn]] void fail(const YAML::Mark& mark, const std::string& key, const std::string& what) const {
        int line = mark.is_null() ? 1 : mark.line + 1;
        throw Error(path_ + ":" + std::to_string(line) + ": " + (key.empty() ? "" : key + ": ") + what);
    }

private:
    const std::string& path_;
};

// Looks at one document without building it: where it starts and
// whether it holds anything (LoadAll stops at an empty document too).
struct DocumentProbe : YAML::EventHandler {
    YAML::Mark mark = YAML::Mark::null_mark();  // of its first value
    bool empty = true;
    void seen(const YAML::Mark& m) {
        if (empty) mark = m;
        empty = false;
    }
    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { seen(m); }
    void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { seen(m); }
    void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        seen(m);
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        seen(m);
    }
    void OnMapEnd() override {}
};

// Calls f(key, key node, value node) for each entry of a mapping, refusing
// keys that are not strings and keys given twice (yaml-cpp keeps both, and
// which one wins would be an accident of the lookup).
template <typename F>
void each_entry(const YAML::Node& map, const std::string& prefix, const Where& where, F&& f) {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
        // A copy of the entry: yaml-cpp's iterator hands out a temporary
        // pair (operator-> returns a proxy by value), so a reference to
        // it->first dangles at the end of the statement (ASan's
        // stack-use-after-scope under tests/fuzz/fuzz_yaml.cpp on every
        // file with a key). Nodes are handles: copying one is cheap.
        const auto entry = *it;
        const YAML::Node& k = entry.first;
        if (!k.IsScalar()) where.fail(k.Mark(), prefix.empty() ? "" : prefix, "a key must be a string");
        std::string key = k.Scalar();
        std::string dotted = prefix.empty() ? key : prefix + "." + key;
        if (!seen.insert(key).second) where.fail(k.Mark(), dotted, "key given twice");
        f(dotted, k, entry.second);
    }
}

// The mark of a value, or of its key when the value is empty (`size:`): an
// empty value has no position of its own.
YAML::Mark mark_of(const YAML::Node& key, const YAML::Node& value) {
    return value.IsNull() || value.Mark().is_null() ? key.Mark() : value.Mark();
}

// A scalar written as a string (plain or quoted); sequences, mappings and
// empty values are not.
std::string string_value(const YAML::Node& key, const YAML::Node& value, const std::string& dotted,
                         const Where& where, const std::string& expect) {
    if (!value.IsScalar()) where.fail(mark_of(key, value), dotted, expect);
    return value.Scalar();
}

// A plain (unquoted) scalar: `size: "65536"` and `allow-host: "true"` are
// strings in YAML, not a number and a boolean.
std::string plain_value(const YAML::Node& key, const YAML::Node& value, const std::string& dotted,
                        const Where& where, const std::string& expect) {
    if (!value.IsScalar() || value.Tag() != "?") where.fail(mark_of(key, value), dotted, expect);
    return value.Scalar();
}

// Runs one value parser of userns_settings, giving its message the place.
template <typename F>
void parse_at(const YAML::Node& key, const YAML::Node& value, const std::string& dotted, const Where& where, F&& f) {
    try {
        f();
    } catch (const Error& e) {
        where.fail(mark_of(key, value), dotted, e.what());
    }
}

void parse_userns(const YAML::Node& key, const YAML::Node& section, UsernsConfig& out, const Where& where) {
    if (section.IsNull()) return;  // `userns:` alone: the defaults
    if (!section.IsMap()) where.fail(mark_of(key, section), "userns", "must be a mapping");
    each_entry(section, "userns", where, [&](const std::string& dotted, const YAML::Node& k, const YAML::Node& v) {
        const std::string name = k.Scalar();
        if (name == "remap") {
            std::string s = string_value(k, v, dotted, where, "must be off, default or USER[:GROUP]");
            parse_at(k, v, dotted, where, [&] { parse_remap(s, out); });
        } else if (name == "allocation") {
            std::string s = string_value(k, v, dotted, where, "must be per-container or shared");
            parse_at(k, v, dotted, where, [&] { out.allocation = parse_allocation(s); });
        } else if (name == "size") {
            std::string s = plain_value(k, v, dotted, where,
                                        "must be a positive integer of at most " + std::to_string(kMaxUsernsSize));
            parse_at(k, v, dotted, where, [&] { out.size = parse_size(s); });
        } else if (name == "allow-host") {
            std::string s = plain_value(k, v, dotted, where, "must be true or false");
            parse_at(k, v, dotted, where, [&] { out.allow_host = parse_bool(s); });
        } else {
            where.fail(k.Mark(), dotted, "unknown key");
        }
    });
}

}  // namespace

ConfigChoice choose_config(const std::optional<std::string>& flag, const char* env) {
    if (flag) return {*flag, true, "--config"};
    if (env && *env) return {env, true, "UCRUN_CONFIG"};
    return {kDefaultConfigPath, false, "default"};
}

RuntimeConfig parse_runtime_config(std::string_view text, const std::string& path) {
    Where where(path);
    YAML::Node root;
    try {
        const std::string copy(text);
        // YAML::Load would read the first document and drop the others
        // unseen: settings in a second one would look applied and not be.
        // Not YAML::LoadAll, which loops for ever on some inputs (yaml-cpp
        // 0.7 keeps handing out documents at a stray ',': ",a: 1",
        // tests/fuzz/regressions/yaml/): a look at the second document only.
        std::istringstream in(copy);
        YAML::Parser parser(in);
        DocumentProbe first, second;
        if (parser.HandleNextDocument(first) && parser.HandleNextDocument(second) && !second.empty)
            where.fail(second.mark, "", "more than one YAML document");
        root = YAML::Load(copy);
    } catch (const YAML::DeepRecursion& e) {
        where.fail(e.mark, "", "malformed YAML: nested too deeply");
    } catch (const YAML::Exception& e) {
        where.fail(e.mark, "", "malformed YAML: " + e.msg);
    }
    RuntimeConfig cfg;
    cfg.path = path;
    if (root.IsNull()) return cfg;  // an empty file: the defaults
    if (!root.IsMap()) where.fail(root.Mark(), "", "must be a mapping of sections (userns)");
    each_entry(root, "", where, [&](const std::string& dotted, const YAML::Node& k, const YAML::Node& v) {
        if (dotted == "userns")
            parse_userns(k, v, cfg.userns, where);
        else
            where.fail(k.Mark(), dotted, "unknown key");
    });
    return cfg;
}

RuntimeConfig load_runtime_config(const std::string& path, bool required) {
    if (path.empty()) throw Error("--config: empty file name");
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd) {
        if (errno == ENOENT && !required) return {};
        throw_errno("config file " + path);
    }
    struct stat st {};
    check(::fstat(fd.get(), &st), "fstat " + path);
    // Not a FIFO (the read would block), a device or a directory.
    if (!S_ISREG(st.st_mode)) throw Error(path + ": config file is not a regular file");
    if (st.st_size > off_t(kMaxConfigSize))
        throw Error(path + ": config file is larger than " + std::to_string(kMaxConfigSize) + " bytes");
    std::string text = sys::read_all(fd.get());
    if (text.size() > kMaxConfigSize)
        throw Error(path + ": config file is larger than " + std::to_string(kMaxConfigSize) + " bytes");
    return parse_runtime_config(text, path);
}

}  // namespace ucrun::config
