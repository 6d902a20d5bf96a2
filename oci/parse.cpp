// config.json -> oci::Config: the platform-independent sections of config.md
// (ociVersion, root, mounts, process, hostname, domainname, hooks,
// annotations). linux is in parse_linux.cpp, linux.resources in
// parse_resources.cpp.
#include "oci/parse.hpp"

#include <algorithm>

#include "oci/limits.hpp"
#include "oci/parse_detail.hpp"

namespace oci::detail {

// config-linux.md "User namespace mappings": all three fields REQUIRED.
void read(Reader& r, const json& v, const Path& p, IDMapping& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "containerID", out.containerID);
    r.req(o, p, "hostID", out.hostID);
    r.req(o, p, "size", out.size);
}

// config.md "Root": path REQUIRED.
static void read(Reader& r, const json& v, const Path& p, Root& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "path", out.path);
    r.opt(o, p, "readonly", out.readonly);
}

// config.md "Mounts", "POSIX-platform Mounts": destination REQUIRED.
static void read(Reader& r, const json& v, const Path& p, Mount& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "destination", out.destination);
    r.opt(o, p, "source", out.source);
    r.opt(o, p, "options", out.options);
    r.opt(o, p, "type", out.type);
    r.opt(o, p, "uidMappings", out.uidMappings);
    r.opt(o, p, "gidMappings", out.gidMappings);
}

// config.md "Process": consoleSize height and width REQUIRED.
static void read(Reader& r, const json& v, const Path& p, ConsoleSize& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "height", out.height);
    r.req(o, p, "width", out.width);
}

// config.md "POSIX process": type, soft, hard REQUIRED.
static void read(Reader& r, const json& v, const Path& p, Rlimit& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "type", out.type);
    r.req(o, p, "soft", out.soft);
    r.req(o, p, "hard", out.hard);
}

// config.md "Linux Process": capabilities.
static void read(Reader& r, const json& v, const Path& p, Capabilities& out) {
    const json& o = r.object(v, p);
    r.opt(o, p, "effective", out.effective);
    r.opt(o, p, "bounding", out.bounding);
    r.opt(o, p, "inheritable", out.inheritable);
    r.opt(o, p, "permitted", out.permitted);
    r.opt(o, p, "ambient", out.ambient);
}

// config.md "POSIX-platform User": uid and gid REQUIRED; "Windows User":
// username. A user object with only a username is accepted here so that the
// document parses; uid/gid are then required only when username is absent.
static void read(Reader& r, const json& v, const Path& p, User& out) {
    const json& o = r.object(v, p);
    r.opt(o, p, "username", out.username);
    if (out.username) {
        r.opt(o, p, "uid", out.uid);
        r.opt(o, p, "gid", out.gid);
    } else {
        r.req(o, p, "uid", out.uid);
        r.req(o, p, "gid", out.gid);
    }
    r.opt(o, p, "umask", out.umask);
    r.opt(o, p, "additionalGids", out.additionalGids);
}

// config.md "Linux Process": scheduler.policy REQUIRED.
static void read(Reader& r, const json& v, const Path& p, Scheduler& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "policy", out.policy);
    r.opt(o, p, "nice", out.nice);
    r.opt(o, p, "priority", out.priority);
    r.opt(o, p, "flags", out.flags);
    r.opt(o, p, "runtime", out.runtime);
    r.opt(o, p, "deadline", out.deadline);
    r.opt(o, p, "period", out.period);
}

// config.md "Linux Process": ioPriority class and priority REQUIRED.
static void read(Reader& r, const json& v, const Path& p, IOPriority& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "class", out.class_);
    r.req(o, p, "priority", out.priority);
}

static void read(Reader& r, const json& v, const Path& p, ExecCPUAffinity& out) {
    const json& o = r.object(v, p);
    r.opt(o, p, "initial", out.initial);
    r.opt(o, p, "final", out.final_);
}

// config.md "Process": cwd REQUIRED. args is REQUIRED non-empty on POSIX,
// which validate_process() checks (so that a missing and an empty args give
// the same message).
void read(Reader& r, const json& v, const Path& p, Process& out) {
    const json& o = r.object(v, p);
    r.opt(o, p, "terminal", out.terminal);
    r.opt(o, p, "consoleSize", out.consoleSize);
    r.opt(o, p, "user", out.user);
    r.opt(o, p, "args", out.args);
    r.opt(o, p, "commandLine", out.commandLine);
    r.opt(o, p, "env", out.env);
    r.req(o, p, "cwd", out.cwd);
    r.opt(o, p, "capabilities", out.capabilities);
    r.opt(o, p, "rlimits", out.rlimits);
    r.opt(o, p, "noNewPrivileges", out.noNewPrivileges);
    r.opt(o, p, "apparmorProfile", out.apparmorProfile);
    r.opt(o, p, "oomScoreAdj", out.oomScoreAdj);
    r.opt(o, p, "scheduler", out.scheduler);
    r.opt(o, p, "selinuxLabel", out.selinuxLabel);
    r.opt(o, p, "ioPriority", out.ioPriority);
    r.opt(o, p, "execCPUAffinity", out.execCPUAffinity);
}

// config.md "POSIX-platform Hooks": path REQUIRED.
static void read(Reader& r, const json& v, const Path& p, Hook& out) {
    const json& o = r.object(v, p);
    r.req(o, p, "path", out.path);
    r.opt(o, p, "args", out.args);
    r.opt(o, p, "env", out.env);
    r.opt(o, p, "timeout", out.timeout);
}

static void read(Reader& r, const json& v, const Path& p, Hooks& out) {
    const json& o = r.object(v, p);
    r.opt(o, p, "prestart", out.prestart);
    r.opt(o, p, "createRuntime", out.createRuntime);
    r.opt(o, p, "createContainer", out.createContainer);
    r.opt(o, p, "startContainer", out.startContainer);
    r.opt(o, p, "poststart", out.poststart);
    r.opt(o, p, "poststop", out.poststop);
}

// config.md: ociVersion REQUIRED; root REQUIRED on Linux.
static void read(Reader& r, const json& v, const Path& p, Config& out) {
    r.object(v, p, "must be a JSON object");
    r.req(v, p, "ociVersion", out.ociVersion);
    r.req(v, p, "root", out.root);
    r.opt(v, p, "mounts", out.mounts);
    r.opt(v, p, "process", out.process);
    r.opt(v, p, "hostname", out.hostname);
    r.opt(v, p, "domainname", out.domainname);
    r.opt(v, p, "hooks", out.hooks);
    r.opt(v, p, "annotations", out.annotations);
    r.opt(v, p, "linux", out.linux);
}

}  // namespace oci::detail

namespace oci {

namespace {

// The deepest nesting of arrays and objects in `text`, counted on the text
// (strings skipped) in O(n) time and O(1) memory, stopping as soon as `limit`
// is exceeded. nlohmann's DOM costs ~250 bytes per level, so a 20 MB document
// of "[[[[..." would cost gigabytes before any check on the DOM could run.
bool deeper_than(std::string_view text, size_t limit) {
    size_t depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;  // skip the escaped character
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return true;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;  // unbalanced text is the JSON parser's to refuse
        }
    }
    return false;
}

std::string too_deep_reason() {
    return "invalid JSON: nested deeper than the limit of " + std::to_string(limits::json_depth) + " levels";
}

// Nothing but JSON's white space (RFC 8259 "ws"): "is empty", for either
// parser, rather than its own words for an end of input.
void refuse_blank(std::string_view text, const std::string& document) {
    if (text.find_first_not_of(" \t\n\r") == std::string_view::npos) throw SpecError(document, "", "is empty");
}

// The guards of nlohmann's parse: blank text, and nesting counted on the
// text before any DOM is built.
void check_text(std::string_view text, const std::string& document) {
    refuse_blank(text, document);
    if (deeper_than(text, limits::json_depth)) throw SpecError(document, "", too_deep_reason());
}

// nlohmann quotes what it read last ("last read: '...'"): a bounded prefix
// of a parser's message is enough.
[[noreturn]] void invalid_json(const std::string& document, std::string what) {
    constexpr size_t max = 256;
    if (what.size() > max) what = what.substr(0, max) + "...";
    throw SpecError(document, "", "invalid JSON: " + what);
}

// A DOM of nlohmann's as text, for parse_dom.
std::string text_of(const nlohmann::json& j, const std::string& document) {
    try {
        return j.dump();
    } catch (const nlohmann::json::exception& e) {  // a string that is not UTF-8 (type_error 316)
        invalid_json(document, e.what());
    }
}

}  // namespace

dom::Document parse_dom(std::string text, const std::string& document) {
    // As parse_document's guards, worded alike; the dom bounds nesting
    // itself, with its own stack (counting the depth on the text first was
    // a fifth of the parse).
    refuse_blank(text, document);
    try {
        return dom::Document(std::move(text), limits::json_depth);
    } catch (const dom::ParseError& e) {
        if (e.too_deep()) throw SpecError(document, "", too_deep_reason());
        invalid_json(document, e.what());
    }
}

nlohmann::json parse_document(std::string_view text, const std::string& document) {
    check_text(text, document);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::exception& e) {
        // parse_error, and out_of_range 406 for a number beyond a double
        // ("1E400"), which escaped as a foreign exception (state.json: not
        // reported as corrupt, so not salvaged; found by tests/fuzz).
        invalid_json(document, e.what());
    }
    return j;
}

Config parse_config(const dom::Document& d, const std::string& document) {
    detail::Reader r(document);
    Config cfg;
    const std::string top;
    read(r, d.root(), top, cfg);
    return cfg;
}

Config parse_config(std::string_view text, const std::string& document) {
    return parse_config(parse_dom(std::string(text), document), document);
}

Config parse_config(const std::string& text, const std::string& document) {
    return parse_config(std::string_view(text), document);
}

Config parse_config(const char* text, const std::string& document) {
    return parse_config(std::string_view(text), document);
}

Config parse_config(const nlohmann::json& j, const std::string& document) {
    return parse_config(parse_dom(text_of(j, document), document), document);
}

Process parse_process(const dom::Document& d, const std::string& document) {
    detail::Reader r(document);
    Process p;
    const std::string top;
    r.object(d.root(), top, "must be a JSON object");
    read(r, d.root(), top, p);
    return p;
}

Process parse_process(const nlohmann::json& j, const std::string& document) {
    return parse_process(parse_dom(text_of(j, document), document), document);
}

Hooks parse_hooks(const dom::Value& v, const std::string& document) {
    detail::Reader r(document);
    Hooks h;
    const std::string top = "hooks";
    read(r, v, top, h);
    return h;
}

nlohmann::json hooks_to_json(const Hooks& hooks) {
    nlohmann::json out = nlohmann::json::object();
    auto list = [&](const char* name, const std::vector<Hook>& hs) {
        if (hs.empty()) return;
        nlohmann::json a = nlohmann::json::array();
        for (const auto& h : hs) {
            nlohmann::json j = {{"path", h.path}};
            if (!h.args.empty()) j["args"] = h.args;
            if (!h.env.empty()) j["env"] = h.env;
            if (h.timeout) j["timeout"] = *h.timeout;
            a.push_back(std::move(j));
        }
        out[name] = std::move(a);
    };
    list("prestart", hooks.prestart);
    list("createRuntime", hooks.createRuntime);
    list("createContainer", hooks.createContainer);
    list("startContainer", hooks.startContainer);
    list("poststart", hooks.poststart);
    list("poststop", hooks.poststop);
    return out.empty() ? nlohmann::json() : out;
}

Resources parse_resources(const nlohmann::json& j, const std::string& document) {
    const dom::Document d = parse_dom(text_of(j, document), document);
    detail::Reader r(document);
    Resources res;
    const std::string top;
    r.object(d.root(), top, "must be a JSON object");
    read(r, d.root(), top, res);
    return res;
}

}  // namespace oci
