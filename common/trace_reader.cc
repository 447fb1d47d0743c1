// Hand-written line parser: the format is line-oriented and traces reach millions of lines,
// so it tokenizes string_views in place and parses numbers with from_chars (no allocation per line).
#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "common/checked_math.h"
#include "common/file_io.h"
#include "common/input_error.h"
#include "common/machine_config.h"
#include "common/text.h"
#include "common/trace_io.h"

namespace tetris {
namespace {

constexpr std::size_t kMaxTokens = 9;  // mload2d

class TraceParser {
 public:
  TraceParser(std::string_view text, std::string_view file) : text_(text), file_(file) {}

  Program parse() {
    std::size_t pos = 0;
    while (pos < text_.size()) {
      const char* start = text_.data() + pos;
      const void* nl = std::memchr(start, '\n', text_.size() - pos);
      const std::size_t len = nl ? static_cast<const char*>(nl) - start : text_.size() - pos;
      ++line_;
      parse_line(std::string_view(start, len));
      pos += len + 1;
    }
    if (!version_seen_) fail("empty trace: expected the header 'tetris-trace 1'");
    if (!cores_seen_) fail("the header has no 'cores' line");
    if (!element_bytes_seen_) fail("the header has no 'element_bytes' line");
    program_.streams.resize(program_.cores);
    validate_program(program_, file_);
    return std::move(program_);
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw InputError({std::string(file_), line_, 0}, message);
  }

  // Names end up in JSON reports and plans, which are UTF-8.
  std::string_view text_field(std::size_t index, std::string_view what) const {
    if (const auto bad = first_non_utf8(tokens_[index]))
      fail(fmt::format("{} is not UTF-8 text (byte 0x{:02x} at its position {})", what,
                       static_cast<unsigned char>(tokens_[index][*bad]), *bad + 1));
    return tokens_[index];
  }

  void tokenize(std::string_view line) {
    count_ = 0;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      if (i >= line.size() || line[i] == '#') break;
      const std::size_t begin = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != '#') ++i;
      if (count_ == kMaxTokens) fail(fmt::format("too many fields on one line (at most {})", kMaxTokens));
      tokens_[count_++] = line.substr(begin, i - begin);
    }
  }

  void expect_fields(std::size_t n, std::string_view usage) const {
    if (count_ != n)
      fail(fmt::format("'{}' takes {} field{}: {}", tokens_[0], n - 1, n == 2 ? "" : "s", usage));
  }

  std::uint64_t number(std::size_t index, std::string_view what,
                       std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) const {
    const std::string_view token = tokens_[index];
    std::uint64_t value = 0;
    const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && value > max))
      fail(fmt::format("{} '{}' is too large (at most {})", what, token, max));
    if (ec != std::errc() || ptr != token.data() + token.size())
      fail(fmt::format("{} must be a non-negative integer, got '{}'", what, token));
    return value;
  }

  std::uint32_t id(std::size_t index, std::string_view what) const {
    return static_cast<std::uint32_t>(number(index, what, std::numeric_limits<std::uint32_t>::max()));
  }

  OnChipBuffer buffer(std::size_t index) const {
    const auto b = parse_on_chip_buffer(tokens_[index]);
    if (!b) fail(fmt::format("unknown on-chip buffer '{}' (expected nbin, nbout or sb)", tokens_[index]));
    return *b;
  }

  void parse_line(std::string_view line) {
    tokenize(line);
    if (count_ == 0) return;
    const std::string_view directive = tokens_[0];
    if (!version_seen_) {
      if (directive != "tetris-trace")
        fail(fmt::format("expected the header 'tetris-trace {}' first, got '{}'", 1, directive));
      expect_fields(2, "tetris-trace VERSION");
      const auto version = number(1, "format version");
      if (version < 1 || version > kTraceFormatVersion)
        fail(fmt::format("unsupported trace format version {} (this tool reads versions 1 to {})", version,
                         kTraceFormatVersion));
      version_ = static_cast<std::uint32_t>(version);
      version_seen_ = true;
      return;
    }
    if (directive == "cores") return header_number(cores_seen_, "cores N", [&] {
        const auto n = number(1, "cores", kMaxCores);
        if (n == 0) fail("cores must be at least 1");
        program_.cores = static_cast<std::uint32_t>(n);
      });
    if (directive == "element_bytes") return header_number(element_bytes_seen_, "element_bytes N", [&] {
        const auto n = number(1, "element_bytes", 64);
        if (n == 0) fail("element_bytes must be at least 1");
        program_.element_bytes = n;
      });
    if (!cores_seen_ || !element_bytes_seen_)
      fail(fmt::format("'{}' before the header is complete (it needs 'cores' and 'element_bytes')", directive));
    if (directive == "core") return begin_core();
    if (current_core_) return parse_instruction(directive);
    if (directive == "layer") return parse_layer();
    if (directive == "tensor") return parse_tensor();
    if (directive == "block" && version_ >= 2) return parse_block();
    fail(fmt::format("unknown directive '{}' (expected layer, tensor{} or core here)", directive,
                     version_ >= 2 ? ", block" : ""));
  }

  template <typename F>
  void header_number(bool& seen, std::string_view usage, F&& set) {
    if (seen) fail(fmt::format("'{}' is given twice", tokens_[0]));
    if (current_core_ || !program_.layers.empty() || !program_.tensors.empty())
      fail(fmt::format("'{}' must come in the header, before layers, tensors and cores", tokens_[0]));
    expect_fields(2, usage);
    set();
    seen = true;
  }

  void parse_layer() {
    expect_fields(4, "layer ID NAME OP");
    const auto id = this->id(1, "layer id");
    if (id != program_.layers.size())
      fail(fmt::format("layer ids must count up from 0: expected {}, got {}", program_.layers.size(), id));
    const std::string name(text_field(2, "layer name"));
    text_field(3, "layer op");
    if (!layer_ids_.emplace(name, id).second) fail(fmt::format("duplicate layer name '{}'", name));
    program_.layers.push_back({name, std::string(tokens_[3])});
  }

  void parse_tensor() {
    expect_fields(6, "tensor ID NAME BYTES KIND PRODUCER");
    const auto id = this->id(1, "tensor id");
    if (id != program_.tensors.size())
      fail(fmt::format("tensor ids must count up from 0: expected {}, got {}", program_.tensors.size(), id));
    Tensor tensor;
    tensor.name = std::string(text_field(2, "tensor name"));
    if (!tensor_names_.emplace(tensor.name).second) fail(fmt::format("duplicate tensor name '{}'", tensor.name));
    tensor.bytes = number(3, "tensor bytes", kMaxTensorBytes);
    if (tensor.bytes == 0) fail(fmt::format("tensor '{}' has 0 bytes", tensor.name));
    const auto kind = parse_tensor_kind(tokens_[4]);
    if (!kind)
      fail(fmt::format("unknown tensor kind '{}' (expected input, weight, activation or output)", tokens_[4]));
    tensor.kind = *kind;
    if (tokens_[5] != "-") tensor.producer = layer_named(tokens_[5]);
    program_.tensors.push_back(std::move(tensor));
  }

  // `block T OFFSET`: tensor T has a block beginning at OFFSET (ascending per tensor).
  void parse_block() {
    expect_fields(3, "block TENSOR OFFSET");
    const auto id = this->id(1, "tensor id");
    if (id >= program_.tensors.size())
      fail(fmt::format("block of unknown tensor {} (blocks follow their tensor's line)", id));
    Tensor& tensor = program_.tensors[id];
    const auto offset = number(2, "block offset", kMaxTensorBytes);
    if (offset == 0 || offset >= tensor.bytes)
      fail(fmt::format("block offset {} of tensor '{}' must lie inside it (1 to {})", offset, tensor.name,
                       tensor.bytes - 1));
    if (!tensor.block_starts.empty() && offset <= tensor.block_starts.back())
      fail(fmt::format("block offsets of tensor '{}' must ascend: {} after {}", tensor.name, offset,
                       tensor.block_starts.back()));
    tensor.block_starts.push_back(offset);
  }

  LayerId layer_named(std::string_view name) const {
    const auto it = layer_ids_.find(std::string(name));
    if (it == layer_ids_.end()) fail(fmt::format("unknown layer '{}'", name));
    return it->second;
  }

  void begin_core() {
    expect_fields(2, "core INDEX");
    const auto core = number(1, "core index");
    if (core >= program_.cores)
      fail(fmt::format("bad core index {}: the trace has {} cores (0 to {})", core, program_.cores,
                       program_.cores - 1));
    program_.streams.resize(program_.cores);
    if (cores_started_.empty()) cores_started_.resize(program_.cores, false);
    if (cores_started_[core]) fail(fmt::format("core {} has a second section", core));
    cores_started_[core] = true;
    current_core_ = static_cast<CoreId>(core);
    current_layer_.reset();
  }

  // `at`: the field of the offset.
  TensorRange range_1d(std::size_t at = 2) const {
    return TensorRange::contiguous(number(at, "offset"), number(at + 1, "bytes"));
  }
  TensorRange range_2d(std::size_t at = 2) const {
    return {number(at, "offset"), number(at + 1, "row bytes"), number(at + 2, "row stride"), number(at + 3, "rows")};
  }

  // mload ID PARTICIPANTS TENSOR ...: the participants must agree on every line of the id.
  MulticastId multicast() {
    if (version_ < 3) fail(fmt::format("'{}' needs trace format version 3 (this trace is version {})", tokens_[0],
                                       version_));
    const MulticastId id = this->id(1, "multicast id");
    auto cores = participants(tokens_[2]);
    const auto [it, inserted] = program_.multicasts.try_emplace(id, cores);
    if (!inserted && it->second != cores)
      fail(fmt::format("multicast {} lists other participants than on line {}", id, multicast_lines_[id]));
    if (inserted) multicast_lines_[id] = line_;
    return id;
  }

  std::vector<CoreId> participants(std::string_view list) const {
    std::vector<CoreId> cores;
    if (list == "all") {
      for (CoreId c = 0; c < program_.cores; ++c) cores.push_back(c);
      return cores;
    }
    std::vector<bool> in(program_.cores, false);
    std::size_t i = 0;
    while (i <= list.size()) {
      const std::size_t comma = std::min(list.find(',', i), list.size());
      const std::string_view item = list.substr(i, comma - i);
      const std::size_t dash = item.find('-');
      auto core = [&](std::string_view text) -> std::uint64_t {
        std::uint64_t v = 0;
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
          fail(fmt::format("bad participant list '{}': expected 'all' or cores like 0,2-3", list));
        if (v >= program_.cores)
          fail(fmt::format("bad core index {} in participants: the trace has {} cores", v, program_.cores));
        return v;
      };
      const auto first = core(item.substr(0, dash));
      const auto last = dash == std::string_view::npos ? first : core(item.substr(dash + 1));
      if (last < first) fail(fmt::format("bad participant range '{}'", item));
      for (auto c = first; c <= last; ++c) in[c] = true;
      i = comma + 1;
    }
    for (CoreId c = 0; c < program_.cores; ++c)
      if (in[c]) cores.push_back(c);
    return cores;
  }

  // Every consumer (trace check, liveness, the simulator's counters) adds up bytes moved and
  // work, so the reader refuses a trace whose totals do not fit in 64 bits: past this point no
  // sum over a trace's instructions can wrap.
  void count_totals(const Operation& op) {
    const auto add = [&](std::uint64_t& total, std::optional<std::uint64_t> amount, std::string_view what) {
      const auto sum = amount ? checked_add(total, *amount) : std::nullopt;
      if (!sum) fail(fmt::format("the trace's {} add up past 2^64 - 1, which no counter can hold", what));
      total = *sum;
    };
    if (const auto* load = std::get_if<Load>(&op))
      add(bytes_moved_, checked_mul(load->range.row_bytes, load->range.rows), "bytes loaded and stored");
    else if (const auto* store = std::get_if<Store>(&op))
      add(bytes_moved_, checked_mul(store->range.row_bytes, store->range.rows), "bytes loaded and stored");
    else if (const auto* compute = std::get_if<Compute>(&op))
      add(work_, compute->work, "compute work (MACs and element operations)");
  }

  void parse_instruction(std::string_view directive) {
    auto& stream = program_.streams[*current_core_];
    auto emit = [&](Operation op) {
      count_totals(op);
      stream.push_back(Instruction{op, current_layer_, static_cast<std::uint32_t>(line_)});
    };
    if (directive == "layer") {
      expect_fields(2, "layer NAME (or '-' for none)");
      if (tokens_[1] == "-") current_layer_.reset();
      else current_layer_ = layer_named(tokens_[1]);
    } else if (directive == "load") {
      expect_fields(5, "load TENSOR OFFSET BYTES BUFFER");
      emit(Load{id(1, "tensor id"), range_1d(), buffer(4)});
    } else if (directive == "store") {
      expect_fields(5, "store TENSOR OFFSET BYTES BUFFER");
      emit(Store{id(1, "tensor id"), range_1d(), buffer(4)});
    } else if (directive == "load2d") {
      expect_fields(7, "load2d TENSOR OFFSET ROW_BYTES ROW_STRIDE ROWS BUFFER");
      emit(Load{id(1, "tensor id"), range_2d(), buffer(6)});
    } else if (directive == "mload") {
      expect_fields(7, "mload ID PARTICIPANTS TENSOR OFFSET BYTES BUFFER");
      const MulticastId group = multicast();
      emit(Load{id(3, "tensor id"), range_1d(4), buffer(6), group});
    } else if (directive == "mload2d") {
      expect_fields(9, "mload2d ID PARTICIPANTS TENSOR OFFSET ROW_BYTES ROW_STRIDE ROWS BUFFER");
      const MulticastId group = multicast();
      emit(Load{id(3, "tensor id"), range_2d(4), buffer(8), group});
    } else if (directive == "store2d") {
      expect_fields(7, "store2d TENSOR OFFSET ROW_BYTES ROW_STRIDE ROWS BUFFER");
      emit(Store{id(1, "tensor id"), range_2d(), buffer(6)});
    } else if (directive == "compute") {
      expect_fields(3, "compute OP WORK");
      const auto op = parse_compute_op(tokens_[1]);
      if (!op)
        fail(fmt::format("unknown compute op '{}' (expected conv, fc, pool, eltwise, activation, "
                         "norm, softmax or copy)",
                         tokens_[1]));
      emit(Compute{*op, number(2, "compute work")});
    } else if (directive == "barrier") {
      expect_fields(3, "barrier ID PARTICIPANTS");
      const BarrierId barrier = id(1, "barrier id");
      auto cores = participants(tokens_[2]);
      const auto [it, inserted] = program_.barriers.try_emplace(barrier, cores);
      if (!inserted && it->second != cores)
        fail(fmt::format("barrier {} lists other participants than on line {}", barrier,
                         barrier_lines_[barrier]));
      if (inserted) barrier_lines_[barrier] = line_;
      emit(Barrier{barrier});
    } else if (directive == "signal") {
      expect_fields(2, "signal SEMAPHORE");
      emit(Signal{id(1, "semaphore id")});
    } else if (directive == "wait") {
      expect_fields(2, "wait SEMAPHORE");
      emit(Wait{id(1, "semaphore id")});
    } else {
      fail(fmt::format("unknown instruction '{}' (expected layer, load, load2d, {}store, store2d, "
                       "compute, barrier, signal, wait or core)",
                       directive, version_ >= 3 ? "mload, mload2d, " : ""));
    }
  }

  std::string_view text_;
  std::string_view file_;
  std::uint64_t line_ = 0;
  std::array<std::string_view, kMaxTokens> tokens_{};
  std::size_t count_ = 0;

  Program program_;
  bool version_seen_ = false, cores_seen_ = false, element_bytes_seen_ = false;
  std::uint64_t bytes_moved_ = 0, work_ = 0;  // over the whole trace, checked
  std::uint32_t version_ = 1;
  std::unordered_map<std::string, LayerId> layer_ids_;
  std::unordered_set<std::string> tensor_names_;
  std::unordered_map<BarrierId, std::uint64_t> barrier_lines_;
  std::unordered_map<MulticastId, std::uint64_t> multicast_lines_;
  std::vector<bool> cores_started_;
  std::optional<CoreId> current_core_;
  std::optional<LayerId> current_layer_;
};

}  // namespace

Program read_trace(std::string_view text, std::string_view file_label) {
  return TraceParser(text, file_label).parse();
}

Program read_trace_file(const std::string& path) { return read_trace(read_text_file(path), path); }

}  // namespace tetris
