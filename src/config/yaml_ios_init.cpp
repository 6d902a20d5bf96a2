// yaml-cpp's sources include <iostream>, so each of its objects carries a
// static std::ios_base::Init, which builds the C++ locale and the eight
// standard streams before main: +45,000 instructions (+20% for `ucrun
// state`) on every start, file or no file. yaml-cpp never uses cin, cout,
// cerr or clog, so meson.build points those calls of its objects here
// (objcopy --redefine-sym on a copy of libyaml-cpp.a), where they do
// nothing. The streams yaml-cpp does use (std::stringstream) build the
// locale on first use, that is, only when a file is read. Code of ours
// that includes <iostream> still gets the real Init.
extern "C" {

void ucrun_yaml_ios_init(void*) {}
void ucrun_yaml_ios_fini(void*) {}

}
