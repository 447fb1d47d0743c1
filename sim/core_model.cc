#include "sim/core_model.h"

#include <algorithm>

namespace tetris::sim {

CoreProgram::CoreProgram(const Program& program, CoreId core, const AddressMap& addresses,
                         const TimingModel& timing, const AddressGrid& grid)
    : stream(program.streams[core]), layer_count(program.layers.size()), requests_in_flight(timing.requests_in_flight()) {
  std::uint32_t stores_before_last_compute = 0;
  const bool multicasts = timing.multicasts() && !program.multicasts.empty();
  for (std::uint32_t i = 0; i < stream.size(); ++i) {
    const auto loads_before = static_cast<std::uint32_t>(loads.size());
    const auto computes_before = static_cast<std::uint32_t>(computes.size());
    const auto stores_before = static_cast<std::uint32_t>(stores.size());
    const auto syncs_before = static_cast<std::uint32_t>(syncs.size());
    const std::uint32_t layer = stream[i].layer ? *stream[i].layer : kNoLayer;
    const Operation& op = stream[i].op;
    if (const auto* compute = std::get_if<tetris::Compute>(&op)) {
      computes.push_back({i, layer, syncs_before, loads_before, stores_before_last_compute,
                          timing.compute_cycles(compute->op, compute->work)});
      stores_before_last_compute = stores_before;
    } else if (std::holds_alternative<Load>(op) || std::holds_alternative<Store>(op)) {
      const auto* load = std::get_if<Load>(&op);
      const TensorId tensor = load ? load->tensor : std::get<Store>(op).tensor;
      const TensorRange& range = load ? load->range : std::get<Store>(op).range;
      const auto [first_span, end_span] = grid.span_indices(core, i);
      if (load && multicasts) load_multicasts.push_back(load->multicast);
      (load ? loads : stores)
          .push_back({i, layer, syncs_before, loads_before, computes_before, stores_before, range.bytes(),
                      addresses.base(tensor) + range.offset, addresses.base(tensor) + range.end(), tensor, first_span,
                      end_span,
                      range.rows > 1 && range.row_bytes <= UINT32_MAX ? static_cast<std::uint32_t>(range.row_bytes) : 0});
    } else {
      // What kind and which: start_sync would otherwise fetch the instruction, a cache miss.
      using Kind = Sync::Kind;
      const auto* barrier = std::get_if<Barrier>(&op);
      const auto* signal = std::get_if<Signal>(&op);
      const Kind kind = barrier ? Kind::barrier : signal ? Kind::signal : Kind::wait;
      const std::uint32_t id = barrier ? barrier->id : signal ? signal->semaphore : std::get<Wait>(op).semaphore;
      syncs.push_back({i, loads_before, computes_before, stores_before, kind, id});
    }
  }
}

CoreModel::CoreModel(CoreId id, const CoreProgram& program, const Jitter& jitter)
    : id_(id),
      stream_(program.stream),
      loads_(program.loads),
      stores_(program.stores),
      computes_(program.computes),
      syncs_(program.syncs),
      jitter_(jitter, id),
      depth_(std::max<std::uint32_t>(1, program.requests_in_flight)),
      load_unit_(depth_),
      store_unit_(depth_),
      layer_spans_(program.layer_count) {
  stats_.instructions = stream_.size();
}

bool CoreModel::load_ready(const CoreProgram::Transfer& e) const {
  if (syncs_done_ < e.syncs_before) return false;
  if (e.computes_before >= 2 && computes_done_ < e.computes_before - 1) return false;
  if (e.stores_before <= stores_done_) return true;
  if (e.stores_before - stores_done_ > kStoreQueueDepth) return false;
  for (std::uint32_t s = stores_done_; s < e.stores_before; ++s) {
    const CoreProgram::Transfer& store = stores_[s];
    if (store.hull_begin < e.hull_end && e.hull_begin < store.hull_end) return false;
  }
  return true;
}

bool CoreModel::compute_ready(const CoreProgram::Compute& e) const {
  return syncs_done_ >= e.syncs_before && loads_done_ >= e.loads_before && stores_done_ >= e.stores_needed;
}

bool CoreModel::store_ready(const CoreProgram::Transfer& e) const {
  return syncs_done_ >= e.syncs_before && loads_done_ >= e.loads_before && computes_done_ >= e.computes_before;
}

bool CoreModel::sync_ready(const CoreProgram::Sync& e) const {
  return loads_done_ >= e.loads_before && computes_done_ >= e.computes_before && stores_done_ >= e.stores_before;
}

void CoreModel::begin(std::uint32_t layer, Cycles now) {
  if (layer != CoreProgram::kNoLayer) {
    LayerSpan& span = layer_spans_[layer];
    span.first = std::min(span.first, now);
  }
}

void CoreModel::end(std::uint32_t layer, Cycles now) {
  if (layer != CoreProgram::kNoLayer) {
    LayerSpan& span = layer_spans_[layer];
    span.last = std::max(span.last, now);
  }
  stats_.finish = std::max(stats_.finish, now);
}

void CoreModel::account(Cycles now) {
  if (now <= accounted_until_) return;
  const Cycles elapsed = now - accounted_until_;
  accounted_until_ = now;
  if (compute_end_ != kNever) {
    stats_.busy += elapsed;
  } else if (loads_in_flight() || stores_in_flight()) {
    stats_.memory_stall += elapsed;
  } else if (!finished()) {
    stats_.sync_stall += elapsed;
  }
}

void CoreModel::start_sync(const CoreProgram::Sync& sync, Cycles now, CorePorts& ports) {
  sync_active_ = true;
  sync_start_ = now;
  sync_release_ = kNever;
  ++next_sync_;
  switch (sync.kind) {
    case CoreProgram::Sync::Kind::barrier:
      ports.arrive_barrier(id_, sync.id, now);
      break;
    case CoreProgram::Sync::Kind::signal:
      ports.signal(id_, sync.id, now);
      sync_release_ = now;
      break;
    case CoreProgram::Sync::Kind::wait:
      ports.wait(id_, sync.id, now);
      break;
  }
}

namespace {

// A unit's next record is touched next time the core runs, long after this one started: by
// then other cores' work has pushed it out of the cache.
template <typename Record>
void prefetch(std::span<const Record> records, std::size_t next) {
  if (next < records.size()) __builtin_prefetch(&records[next]);
}

}  // namespace

void CoreModel::retire(UnitQueue& unit, std::uint32_t& done, std::uint32_t next,
                       std::span<const CoreProgram::Transfer> records, TimelineEvent::Unit kind, Cycles now) {
  while (done < next && unit.done_at[done % depth_] <= now) {
    const std::uint32_t slot = done % depth_;
    const Cycles at = unit.done_at[slot];
    if (recording_) timeline_.push_back({kind, records[done].index, records[done].layer, unit.started[slot], at});
    end(records[done++].layer, at);
    unit.done_at[slot] = kNever;
  }
}

void CoreModel::step(Cycles now, CorePorts& ports) {
  account(now);
  using Unit = TimelineEvent::Unit;
  // Retire in order what has completed by now.
  retire(load_unit_, loads_done_, next_load_, loads_, Unit::load, now);
  retire(store_unit_, stores_done_, next_store_, stores_, Unit::store, now);
  for (bool progress = true; progress;) {
    progress = false;
    if (compute_end_ <= now) {
      if (recording_)
        timeline_.push_back({Unit::compute, computes_[computes_done_].index, computes_[computes_done_].layer,
                             compute_start_, compute_end_});
      end(computes_[computes_done_++].layer, compute_end_);
      compute_end_ = kNever;
      progress = true;
    }
    if (sync_active_ && sync_release_ <= now) {
      sync_active_ = false;
      stats_.finish = std::max(stats_.finish, sync_release_);
      if (recording_)
        timeline_.push_back({Unit::sync, syncs_[syncs_done_].index, CoreProgram::kNoLayer, sync_start_, sync_release_});
      sync_release_ = kNever;
      ++syncs_done_;
      progress = true;
    }
    if (next_load_ - loads_done_ < depth_ && next_load_ < loads_.size() && load_ready(loads_[next_load_])) {
      const std::uint32_t slot = next_load_ % depth_;
      const CoreProgram::Transfer& load = loads_[next_load_++];
      prefetch(loads_, next_load_);
      load_unit_.started[slot] = now;
      begin(load.layer, now);
      stats_.bytes_read += load.bytes;
      ports.start_transfer(id_, TransferKind::load, slot, load, now);
      progress = true;
    }
    if (compute_end_ == kNever && next_compute_ < computes_.size() && compute_ready(computes_[next_compute_])) {
      const CoreProgram::Compute& compute = computes_[next_compute_++];
      prefetch(computes_, next_compute_);
      compute_end_ = now + compute.cycles + jitter_.extra(compute.cycles, compute.index, JitterTarget::compute);
      compute_start_ = now;
      begin(compute.layer, now);
      progress = true;
    }
    if (next_store_ - stores_done_ < depth_ && next_store_ < stores_.size() && store_ready(stores_[next_store_])) {
      const std::uint32_t slot = next_store_ % depth_;
      const CoreProgram::Transfer& store = stores_[next_store_++];
      prefetch(stores_, next_store_);
      store_unit_.started[slot] = now;
      begin(store.layer, now);
      stats_.bytes_written += store.bytes;
      ports.start_transfer(id_, TransferKind::store, slot, store, now);
      progress = true;
    }
    if (!sync_active_ && next_sync_ < syncs_.size() && sync_ready(syncs_[next_sync_])) {
      start_sync(syncs_[next_sync_], now, ports);
      progress = true;
    }
  }
}

std::optional<Cycles> CoreModel::advance(Cycles now, CorePorts& ports) {
  safe_until_ = std::max(safe_until_, now);
  for (;;) {
    step(time_, ports);
    // Only a unit's first outstanding request retires anything (in order).
    Cycles next = std::min({compute_end_, head_done(load_unit_, loads_done_, next_load_),
                            head_done(store_unit_, stores_done_, next_store_)});
    if (sync_active_) next = std::min(next, sync_release_);
    if (next == kNever) return std::nullopt;
    const bool unannounced = any_unannounced(load_unit_, loads_done_, next_load_) ||
                             any_unannounced(store_unit_, stores_done_, next_store_);
    if (unannounced && next > safe_until_) return next;
    time_ = next;
  }
}

bool CoreModel::finished() const {
  return loads_done_ == loads_.size() && computes_done_ == computes_.size() && stores_done_ == stores_.size() &&
         syncs_done_ == syncs_.size();
}

std::uint32_t CoreModel::position() const {
  if (sync_active_) return syncs_[next_sync_ - 1].index;
  auto first = static_cast<std::uint32_t>(stream_.size());
  if (loads_done_ < loads_.size()) first = std::min(first, loads_[loads_done_].index);
  if (computes_done_ < computes_.size()) first = std::min(first, computes_[computes_done_].index);
  if (stores_done_ < stores_.size()) first = std::min(first, stores_[stores_done_].index);
  if (syncs_done_ < syncs_.size()) first = std::min(first, syncs_[syncs_done_].index);
  return first;
}

}  // namespace tetris::sim
