// Semantic rules of config-linux.md "Control groups" (linux.resources, and
// the document of `update -r`).
#include "oci/validate.hpp"
#include "oci/validate_detail.hpp"

namespace oci {

using detail::at;
using detail::Checker;
using detail::key_at;
using detail::quote;
using detail::sub;

namespace {

// "Allowed Device list": type a, c or b; access a subset of "rwm".
void check_device_rules(const Checker& c, const std::vector<DeviceCgroup>& rules, const std::string& path) {
    for (size_t i = 0; i < rules.size(); ++i) {
        std::string p = at(path, i);
        const DeviceCgroup& d = rules[i];
        if (d.type && *d.type != "a" && *d.type != "c" && *d.type != "b")
            c.fail(sub(p, "type"), "must be one of a, c, b");
        if (d.access && d.access->find_first_not_of("rwm") != std::string::npos)
            c.fail(sub(p, "access"), "must contain only r, w and m");
    }
}

// "Huge page limits": pageSize matches ^[1-9][0-9]*[KMG]B$
// (schema/config-linux.json).
bool is_page_size(const std::string& s) {
    if (s.size() < 3 || s[0] < '1' || s[0] > '9' || s.back() != 'B') return false;
    char unit = s[s.size() - 2];
    if (unit != 'K' && unit != 'M' && unit != 'G') return false;
    for (size_t i = 1; i + 2 < s.size(); ++i)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

}  // namespace

void validate_resources(const Resources& r, const std::string& document, const std::string& path) {
    Checker c{document};
    check_device_rules(c, r.devices, sub(path, "devices"));
    if (r.cpu) {
        std::string p = sub(path, "cpu");
        if (r.cpu->cpus && !detail::is_cpu_list(*r.cpu->cpus))
            c.fail(sub(p, "cpus"), "invalid CPU list " + quote(*r.cpu->cpus));
        if (r.cpu->mems && !detail::is_cpu_list(*r.cpu->mems))
            c.fail(sub(p, "mems"), "invalid node list " + quote(*r.cpu->mems));
    }
    // "PIDs": -1 (or 0, runc) means no limit.
    if (r.pids && r.pids->limit < -1) c.fail(sub(sub(path, "pids"), "limit"), "must be -1 or greater");
    // "Block IO": each weightDevice sets weight or leafWeight.
    if (r.blockIO) {
        std::string p = sub(sub(path, "blockIO"), "weightDevice");
        for (size_t i = 0; i < r.blockIO->weightDevice.size(); ++i) {
            const WeightDevice& w = r.blockIO->weightDevice[i];
            if (!w.weight && !w.leafWeight) c.fail(at(p, i), "must set weight or leafWeight");
        }
    }
    for (size_t i = 0; i < r.hugepageLimits.size(); ++i)
        if (!is_page_size(r.hugepageLimits[i].pageSize))
            c.fail(sub(at(sub(path, "hugepageLimits"), i), "pageSize"),
                   "must be a size like 2MB or 64KB (" + quote(r.hugepageLimits[i].pageSize) + ")");
    // "RDMA": each entry sets hcaHandles or hcaObjects.
    for (const auto& [dev, rdma] : r.rdma)
        if (!rdma.hcaHandles && !rdma.hcaObjects)
            c.fail(key_at(sub(path, "rdma"), dev), "must set hcaHandles or hcaObjects");
}

}  // namespace oci
