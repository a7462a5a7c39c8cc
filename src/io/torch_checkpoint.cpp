// Reading torch.save's state dicts (ember/io/torch_checkpoint.h): a small pickle machine that
// knows only the opcodes and globals of tensors and plain containers.
#include "ember/io/torch_checkpoint.h"

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <variant>
#include <vector>

#include "ember/ops.h"
#include "zip_archive.h"

namespace ember::io {
namespace {

struct Value;
using ValuePtr = std::shared_ptr<Value>;
using List = std::vector<ValuePtr>;
using Dict = std::vector<std::pair<ValuePtr, ValuePtr>>;

// A global the pickle names, e.g. torch._utils._rebuild_tensor_v2.
struct Global {
  std::string module, name;
};
// A storage the pickle refers to by persistent id: its dtype and element count.
struct StorageRef {
  std::string key;
  ScalarType dtype;
  int64_t numel;
};
struct Mark {};

// What the pickle machine's stack holds. Lists and dicts are shared so that the memo and later
// APPEND/SETITEM opcodes see one object.
struct Value {
  std::variant<std::monostate, bool, int64_t, double, std::string, List, Dict, Global, StorageRef,
               Tensor, Mark>
      v;
  bool is_tuple = false;
};

ValuePtr make(auto value, bool tuple = false) {
  auto p = std::make_shared<Value>();
  p->v = std::move(value);
  p->is_tuple = tuple;
  return p;
}

class Unpickler {
 public:
  Unpickler(const detail::ZipArchive& zip, std::string prefix, std::string_view pickle)
      : zip_(zip), prefix_(std::move(prefix)), data_(pickle) {}
  // A pickle can make a list or dict hold itself (through the memo); emptying every container
  // made breaks such cycles, so nothing leaks. Results must be copied out before this runs.
  ~Unpickler() {
    for (const ValuePtr& c : containers_) c->v = std::monostate{};
  }
  Unpickler(const Unpickler&) = delete;
  Unpickler& operator=(const Unpickler&) = delete;

  ValuePtr run() {
    while (true) {
      const uint8_t op = byte();
      switch (op) {
        case 0x80:
          byte();
          break;  // PROTO
        case 0x95:
          bytes(8);
          break;  // FRAME
        case '.':
          return pop();  // STOP
        case '(':
          push(make(Mark{}));
          break;  // MARK
        case '}':
          push(container(Dict{}));
          break;  // EMPTY_DICT
        case ']':
          push(container(List{}));
          break;  // EMPTY_LIST
        case ')':
          push(container(List{}, true));
          break;  // EMPTY_TUPLE
        case 'N':
          push(make(std::monostate{}));
          break;  // NONE
        case 0x88:
          push(make(true));
          break;  // NEWTRUE
        case 0x89:
          push(make(false));
          break;  // NEWFALSE
        case 'K':
          push(make(static_cast<int64_t>(byte())));
          break;  // BININT1
        case 'M':
          push(make(static_cast<int64_t>(little(2))));
          break;
        case 'J':
          push(make(static_cast<int64_t>(static_cast<int32_t>(little(4)))));
          break;
        case 0x8a:
          push(make(long1()));
          break;  // LONG1
        case 'G':
          push(make(binfloat()));
          break;  // BINFLOAT
        case 'X':
          push(make(std::string(bytes(little(4)))));
          break;  // BINUNICODE
        case 0x8c:
          push(make(std::string(bytes(byte()))));
          break;  // SHORT_BINUNICODE
        case 0x8d:
          push(make(std::string(bytes(little(8)))));
          break;  // BINUNICODE8
        case 'B':
          push(make(std::string(bytes(little(4)))));
          break;  // BINBYTES
        case 'C':
          push(make(std::string(bytes(byte()))));
          break;  // SHORT_BINBYTES
        case 'q':
          memo_[byte()] = top();
          break;  // BINPUT
        case 'r':
          memo_[little(4)] = top();
          break;  // LONG_BINPUT
        case 0x94:
          memo_[memo_.size()] = top();
          break;  // MEMOIZE
        case 'h':
          push(memo(byte()));
          break;  // BINGET
        case 'j':
          push(memo(little(4)));
          break;     // LONG_BINGET
        case 'c': {  // GLOBAL: module and name, each ending a line (read in that order)
          std::string module = line();
          global(std::move(module), line());
          break;
        }
        case 0x93:
          stack_global();
          break;  // STACK_GLOBAL
        case 'Q':
          persistent(pop());
          break;  // BINPERSID
        case 't':
          push(container(pop_to_mark(), true));
          break;  // TUPLE
        case 0x85:
          tuple(1);
          break;
        case 0x86:
          tuple(2);
          break;
        case 0x87:
          tuple(3);
          break;
        case 'a':
          append(pop());
          break;  // APPEND
        case 'e':
          for (ValuePtr& v : pop_to_mark()) append(v);
          break;  // APPENDS
        case 's':
          setitems(2);
          break;  // SETITEM
        case 'u':
          setitems(0);
          break;  // SETITEMS
        case 'R':
          reduce();
          break;  // REDUCE
        case 'b':
          pop();
          break;  // BUILD: a dict's or tensor's state (_metadata) is not needed
        default:
          fail(fmt::format("pickle opcode 0x{:02x} at byte {} is not one a weights file uses", op,
                           pos_ - 1));
      }
    }
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw Error(fmt::format("{}: {}", zip_.what(), problem), ErrorKind::Runtime);
  }
  uint8_t byte() {
    if (pos_ >= data_.size()) fail("the pickle ends before its STOP opcode (truncated file)");
    return static_cast<uint8_t>(data_[pos_++]);
  }
  std::string_view bytes(uint64_t n) {
    if (n > data_.size() - pos_) fail("the pickle ends inside a value (truncated file)");
    std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  uint64_t little(int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(byte()) << (8 * i);
    return v;
  }
  int64_t long1() {
    const uint8_t n = byte();
    if (n > 8) fail("an integer wider than 64 bits");
    uint64_t v = little(n);
    if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~uint64_t{0} << (8 * n);  // sign-extend
    return static_cast<int64_t>(v);
  }
  double binfloat() {
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = bits << 8 | byte();  // big-endian
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  std::string line() {
    const size_t end = data_.find('\n', pos_);
    if (end == std::string_view::npos) fail("a GLOBAL opcode's name runs to the end of the file");
    std::string out(data_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return out;
  }
  void push(ValuePtr v) { stack_.push_back(std::move(v)); }
  ValuePtr container(auto value, bool tuple = false) {
    containers_.push_back(make(std::move(value), tuple));
    return containers_.back();
  }
  ValuePtr pop() {
    if (stack_.empty() || std::holds_alternative<Mark>(stack_.back()->v))
      fail("the pickle pops from an empty stack");
    ValuePtr v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  ValuePtr top() {
    if (stack_.empty()) fail("the pickle memoizes from an empty stack");
    return stack_.back();
  }
  ValuePtr memo(uint64_t key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) fail(fmt::format("the pickle reads memo entry {}, never stored", key));
    return it->second;
  }
  List pop_to_mark() {
    List items;
    while (!stack_.empty() && !std::holds_alternative<Mark>(stack_.back()->v)) {
      items.insert(items.begin(), stack_.back());
      stack_.pop_back();
    }
    if (stack_.empty()) fail("the pickle has no MARK to pop to");
    stack_.pop_back();
    return items;
  }
  void tuple(int n) {
    List items(static_cast<size_t>(n));
    for (int i = n - 1; i >= 0; --i) items[static_cast<size_t>(i)] = pop();
    push(container(std::move(items), true));
  }
  void append(const ValuePtr& v) {
    if (stack_.empty()) fail("APPEND with nothing to append to");
    auto* list = std::get_if<List>(&stack_.back()->v);
    if (!list || stack_.back()->is_tuple) fail("APPEND to something that is not a list");
    list->push_back(v);
  }
  void setitems(int pairs) {
    List items = pairs ? List{} : pop_to_mark();
    if (pairs) {
      ValuePtr value = pop(), key = pop();
      items = {key, value};
    }
    if (stack_.empty()) fail("SETITEM with no dict");
    auto* dict = std::get_if<Dict>(&stack_.back()->v);
    if (!dict || items.size() % 2) fail("SETITEM on something that is not a dict");
    for (size_t i = 0; i < items.size(); i += 2) dict->emplace_back(items[i], items[i + 1]);
  }
  // Only the globals of tensors and containers are allowed; anything else is refused here,
  // before it could be called.
  void global(std::string module, std::string name) {
    static const std::pair<const char*, const char*> allowed[] = {
        {"collections", "OrderedDict"},
        {"torch._utils", "_rebuild_tensor_v2"},
        {"torch._utils", "_rebuild_tensor"},
        {"torch._utils", "_rebuild_parameter"},
        {"torch._utils", "_rebuild_parameter_with_state"}};
    bool ok =
        module == "torch" && name.size() > 7 && name.compare(name.size() - 7, 7, "Storage") == 0;
    for (const auto& [m, n] : allowed) ok = ok || (module == m && name == n);
    if (!ok)
      fail(
          fmt::format("the pickle names the global {}.{}, which a weights file does not need; "
                      "refusing to load it",
                      module, name));
    push(make(Global{std::move(module), std::move(name)}));
  }
  void stack_global() {
    ValuePtr name = pop(), module = pop();
    const auto* n = std::get_if<std::string>(&name->v);
    const auto* m = std::get_if<std::string>(&module->v);
    if (!n || !m) fail("STACK_GLOBAL needs two strings");
    global(*m, *n);
  }
  void persistent(const ValuePtr& pid) {
    const auto* items = std::get_if<List>(&pid->v);
    if (!items || items->size() != 5) fail("a persistent id that is not a storage record");
    const auto* tag = std::get_if<std::string>(&(*items)[0]->v);
    const auto* type = std::get_if<Global>(&(*items)[1]->v);
    const auto* key = std::get_if<std::string>(&(*items)[2]->v);
    const auto* numel = std::get_if<int64_t>(&(*items)[4]->v);
    if (!tag || *tag != "storage" || !type || !key || !numel || *numel < 0)
      fail("a persistent id that is not a storage record");
    push(make(StorageRef{*key, storage_dtype(type->name), *numel}));
  }
  ScalarType storage_dtype(const std::string& type) const {
    static const std::pair<const char*, ScalarType> known[] = {{"FloatStorage", kFloat32},
                                                               {"DoubleStorage", kFloat64},
                                                               {"LongStorage", kInt64},
                                                               {"IntStorage", kInt32},
                                                               {"BoolStorage", kBool}};
    for (const auto& [name, dtype] : known)
      if (type == name) return dtype;
    fail(
        fmt::format("storage type torch.{} holds a dtype Ember does not have (it has float32, "
                    "float64, int64, int32 and bool)",
                    type));
  }
  void reduce() {
    ValuePtr args = pop(), callable = pop();
    const auto* g = std::get_if<Global>(&callable->v);
    const auto* a = std::get_if<List>(&args->v);
    if (!g || !a) fail("REDUCE of something that is not an allowed global");
    if (g->name == "OrderedDict") return push(container(Dict{}));
    if (g->name == "_rebuild_parameter" || g->name == "_rebuild_parameter_with_state") {
      if (a->empty() || !std::holds_alternative<Tensor>((*a)[0]->v))
        fail("_rebuild_parameter without a tensor");
      return push((*a)[0]);
    }
    if (g->name == "_rebuild_tensor_v2" || g->name == "_rebuild_tensor")
      return push(make(rebuild_tensor(*a)));
    fail(fmt::format("REDUCE of {}.{}", g->module, g->name));
  }
  DimVector ints(const ValuePtr& v, const char* what) {
    const auto* items = std::get_if<List>(&v->v);
    if (!items) fail(fmt::format("a tensor's {} is not a tuple", what));
    DimVector out;
    for (const ValuePtr& item : *items) {
      const auto* i = std::get_if<int64_t>(&item->v);
      if (!i || *i < 0)
        fail(fmt::format("a tensor's {} holds a negative or non-integer value", what));
      out.push_back(*i);
    }
    return out;
  }
  Tensor rebuild_tensor(const List& args) {
    if (args.size() < 4) fail("_rebuild_tensor with too few arguments");
    const auto* storage = std::get_if<StorageRef>(&args[0]->v);
    const auto* offset = std::get_if<int64_t>(&args[1]->v);
    if (!storage || !offset || *offset < 0) fail("_rebuild_tensor without a storage and offset");
    const DimVector size = ints(args[2], "size"), stride = ints(args[3], "stride");
    if (size.size() != stride.size()) fail("a tensor's size and stride differ in length");
    const Tensor& base = load_storage(*storage);
    // The last element the view reaches must lie inside the storage.
    int64_t last = *offset;
    bool empty_view = false;
    for (size_t i = 0; i < size.size(); ++i) {
      if (size[i] == 0) {
        empty_view = true;
        continue;
      }
      if (stride[i] > (INT64_MAX - last) / size[i]) fail("a tensor's size and stride overflow");
      last += (size[i] - 1) * stride[i];
    }
    if (!empty_view && last >= base.numel())
      fail(
          fmt::format("a tensor of size {} and stride {} at offset {} reaches element {} of a "
                      "storage of {} (out of bounds)",
                      shape_str(size), shape_str(stride), *offset, last, storage->numel));
    return base.as_strided(size, stride, *offset);
  }
  const Tensor& load_storage(const StorageRef& ref) {
    auto it = storages_.find(ref.key);
    if (it != storages_.end()) {
      if (it->second.dtype() != ref.dtype || it->second.numel() != ref.numel)
        fail(fmt::format("storage '{}' is named twice with different dtypes or sizes", ref.key));
      return it->second;
    }
    const std::string_view raw = zip_.entry(prefix_ + "data/" + ref.key);
    // Checked before allocating, so a record claiming a huge size allocates nothing.
    const uint64_t itemsize = element_size(ref.dtype);
    if (static_cast<uint64_t>(ref.numel) > raw.size() / itemsize)
      fail(fmt::format("storage '{}' holds {} bytes, too few for {} elements of {}", ref.key,
                       raw.size(), ref.numel, dtype_name(ref.dtype)));
    Tensor t = empty({ref.numel}, TensorOptions(ref.dtype));
    std::memcpy(t.data_ptr(), raw.data(), t.nbytes());
    if (ref.dtype == kBool) {
      const uint8_t* b = static_cast<const uint8_t*>(t.data_ptr());
      for (int64_t i = 0; i < ref.numel; ++i)
        if (b[i] > 1)
          fail(fmt::format("storage '{}' holds a bool that is neither 0 nor 1", ref.key));
    }
    return storages_.emplace(ref.key, t).first->second;
  }

  const detail::ZipArchive& zip_;
  std::string prefix_;
  std::string_view data_;
  size_t pos_ = 0;
  List stack_;
  std::map<uint64_t, ValuePtr> memo_;
  std::map<std::string, Tensor> storages_;
  std::vector<ValuePtr> containers_;
};

// The tensors of a dict, nested dicts flattened with "." (other values left out).
void flatten(const Dict& dict, const std::string& prefix, TensorDict& out, const std::string& what,
             int depth) {
  if (depth > 64) throw Error(fmt::format("{}: dicts nested too deeply", what), ErrorKind::Runtime);
  for (const auto& [k, v] : dict) {
    const auto* key = std::get_if<std::string>(&k->v);
    if (!key) continue;
    if (const auto* t = std::get_if<Tensor>(&v->v)) out.insert(prefix + *key, *t);
    if (const auto* d = std::get_if<Dict>(&v->v))
      flatten(*d, prefix + *key + ".", out, what, depth + 1);
  }
}

}  // namespace

bool is_zip_archive(std::string_view bytes) {
  return bytes.size() >= 4 && bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4);
}

TensorDict load_torch_state_dict_from_bytes(std::string_view bytes, const std::string& entry,
                                            const std::string& what) {
  const detail::ZipArchive zip(bytes, what);
  // Every record sits in one top-level folder, named after the file torch.save wrote.
  std::string prefix;
  for (const auto& [name, contents] : zip.entries()) {
    const size_t slash = name.find('/');
    if (slash != std::string::npos && name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      prefix = name.substr(0, slash + 1);
      break;
    }
  }
  if (prefix.empty())
    throw Error(fmt::format("{}: not a torch.save file (no <name>/data.pkl record)", what),
                ErrorKind::Runtime);
  if (zip.contains(prefix + "byteorder") && zip.entry(prefix + "byteorder") != "little")
    throw Error(fmt::format("{}: the file was written on a big-endian machine", what),
                ErrorKind::Runtime);
  Unpickler unpickler(zip, prefix, zip.entry(prefix + "data.pkl"));
  const ValuePtr root = unpickler.run();
  const auto* dict = std::get_if<Dict>(&root->v);
  if (!dict)
    throw Error(fmt::format("{}: the file holds no dict of tensors (a state dict)", what),
                ErrorKind::Runtime);
  TensorDict out;
  if (entry.empty()) {
    flatten(*dict, "", out, what, 0);
    return out;
  }
  for (const auto& [k, v] : *dict) {
    const auto* key = std::get_if<std::string>(&k->v);
    const auto* inner = std::get_if<Dict>(&v->v);
    if (key && *key == entry && inner) {
      flatten(*inner, "", out, what, 0);
      return out;
    }
  }
  throw Error(fmt::format("{}: the file's dict has no dict entry '{}'", what, entry),
              ErrorKind::Runtime);
}

TensorDict load_torch_state_dict(const std::string& path, const std::string& entry) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(fmt::format("load_torch_state_dict: cannot open '{}'", path), ErrorKind::Runtime);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return load_torch_state_dict_from_bytes(bytes, entry, "load_torch_state_dict: " + path);
}

}  // namespace ember::io
