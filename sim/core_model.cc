#include "sim/core_model.h"

#include <algorithm>

namespace tetris::sim {

CoreProgram::CoreProgram(const Program& program, CoreId core, const AddressMap& addresses,
                         const TimingModel& timing)
    : stream(program.streams[core]), layer_count(program.layers.size()) {
  before.reserve(stream.size());
  hull.resize(stream.size(), {0, 0});
  amount.resize(stream.size(), 0);
  layer.resize(stream.size(), kNoLayer);
  for (std::uint32_t i = 0; i < stream.size(); ++i) {
    before.push_back({static_cast<std::uint32_t>(loads.size()), static_cast<std::uint32_t>(computes.size()),
                      static_cast<std::uint32_t>(stores.size()), static_cast<std::uint32_t>(syncs.size())});
    const Operation& op = stream[i].op;
    if (stream[i].layer) layer[i] = *stream[i].layer;
    if (const auto* load = std::get_if<Load>(&op)) {
      loads.push_back(i);
      const std::uint64_t base = addresses.base(load->tensor);
      hull[i] = {base + load->range.offset, base + load->range.end()};
      amount[i] = load->range.bytes();
    } else if (const auto* compute = std::get_if<Compute>(&op)) {
      computes.push_back(i);
      amount[i] = timing.compute_cycles(compute->op, compute->work);
    } else if (const auto* store = std::get_if<Store>(&op)) {
      stores.push_back(i);
      const std::uint64_t base = addresses.base(store->tensor);
      hull[i] = {base + store->range.offset, base + store->range.end()};
      amount[i] = store->range.bytes();
    } else {
      syncs.push_back(i);
    }
  }
}

CoreModel::CoreModel(CoreId id, const CoreProgram& program, const Jitter& jitter)
    : id_(id),
      stream_(program.stream),
      before_(program.before),
      hull_(program.hull),
      amount_(program.amount),
      layer_(program.layer),
      loads_(program.loads),
      computes_(program.computes),
      stores_(program.stores),
      syncs_(program.syncs),
      jitter_(jitter),
      layer_spans_(program.layer_count) {
  stats_.instructions = stream_.size();
}

bool CoreModel::load_ready(std::uint32_t index) const {
  const CoreProgram::Before& b = before_[index];
  if (syncs_done_ < b.syncs) return false;
  if (b.computes >= 2 && computes_done_ < b.computes - 1) return false;
  if (b.stores <= stores_done_) return true;
  if (b.stores - stores_done_ > kStoreQueueDepth) return false;
  const auto [lo, hi] = hull_[index];
  for (std::uint32_t s = stores_done_; s < b.stores; ++s) {
    const auto [slo, shi] = hull_[stores_[s]];
    if (slo < hi && lo < shi) return false;
  }
  return true;
}

bool CoreModel::compute_ready(std::uint32_t index) const {
  const CoreProgram::Before& b = before_[index];
  if (syncs_done_ < b.syncs || loads_done_ < b.loads) return false;
  return b.computes == 0 || stores_done_ >= before_[computes_[b.computes - 1]].stores;
}

bool CoreModel::store_ready(std::uint32_t index) const {
  const CoreProgram::Before& b = before_[index];
  return syncs_done_ >= b.syncs && loads_done_ >= b.loads && computes_done_ >= b.computes;
}

bool CoreModel::sync_ready(std::uint32_t index) const {
  const CoreProgram::Before& b = before_[index];
  return loads_done_ >= b.loads && computes_done_ >= b.computes && stores_done_ >= b.stores;
}

void CoreModel::begin(std::uint32_t index, Cycles now) {
  if (const std::uint32_t layer = layer_[index]; layer != CoreProgram::kNoLayer) {
    LayerSpan& span = layer_spans_[layer];
    span.first = std::min(span.first, now);
  }
}

void CoreModel::end(std::uint32_t index, Cycles now) {
  if (const std::uint32_t layer = layer_[index]; layer != CoreProgram::kNoLayer) {
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
  } else if (load_busy_ || store_busy_) {
    stats_.memory_stall += elapsed;
  } else if (!finished()) {
    stats_.sync_stall += elapsed;
  }
}

void CoreModel::start_sync(std::uint32_t index, Cycles now, CorePorts& ports) {
  sync_active_ = true;
  sync_release_ = kNever;
  ++next_sync_;
  const Operation& op = stream_[index].op;
  if (const auto* barrier = std::get_if<Barrier>(&op)) {
    ports.arrive_barrier(id_, barrier->id, now);
  } else if (const auto* signal = std::get_if<Signal>(&op)) {
    ports.signal(id_, signal->semaphore, now);
    sync_release_ = now;
  } else {
    ports.wait(id_, std::get<Wait>(op).semaphore, now);
  }
}

void CoreModel::step(Cycles now, CorePorts& ports) {
  account(now);
  if (load_done_at_ <= now) {
    load_busy_ = false;
    end(loads_[loads_done_++], load_done_at_);
    load_done_at_ = kNever;
  }
  if (store_done_at_ <= now) {
    store_busy_ = false;
    end(stores_[stores_done_++], store_done_at_);
    store_done_at_ = kNever;
  }
  for (bool progress = true; progress;) {
    progress = false;
    if (compute_end_ <= now) {
      end(computes_[computes_done_++], compute_end_);
      compute_end_ = kNever;
      progress = true;
    }
    if (sync_active_ && sync_release_ <= now) {
      sync_active_ = false;
      stats_.finish = std::max(stats_.finish, sync_release_);
      sync_release_ = kNever;
      ++syncs_done_;
      progress = true;
    }
    if (!load_busy_ && next_load_ < loads_.size() && load_ready(loads_[next_load_])) {
      const std::uint32_t index = loads_[next_load_++];
      load_busy_ = true;
      begin(index, now);
      stats_.bytes_read += amount_[index];
      ports.start_transfer(id_, TransferKind::load, index, now);
      progress = true;
    }
    if (compute_end_ == kNever && next_compute_ < computes_.size() && compute_ready(computes_[next_compute_])) {
      const std::uint32_t index = computes_[next_compute_++];
      const Cycles cycles = amount_[index];
      compute_end_ = now + cycles + jitter_.extra(cycles, id_, index, JitterTarget::compute);
      begin(index, now);
      progress = true;
    }
    if (!store_busy_ && next_store_ < stores_.size() && store_ready(stores_[next_store_])) {
      const std::uint32_t index = stores_[next_store_++];
      store_busy_ = true;
      begin(index, now);
      stats_.bytes_written += amount_[index];
      ports.start_transfer(id_, TransferKind::store, index, now);
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
    Cycles next = std::min({compute_end_, load_done_at_, store_done_at_});
    if (sync_active_) next = std::min(next, sync_release_);
    if (next == kNever) return std::nullopt;
    const bool unannounced = (load_busy_ && load_done_at_ == kNever) || (store_busy_ && store_done_at_ == kNever);
    if (unannounced && next > safe_until_) return next;
    time_ = next;
  }
}

bool CoreModel::finished() const {
  return loads_done_ == loads_.size() && computes_done_ == computes_.size() && stores_done_ == stores_.size() &&
         syncs_done_ == syncs_.size();
}

std::uint32_t CoreModel::position() const {
  if (sync_active_) return syncs_[next_sync_ - 1];
  std::uint32_t first = static_cast<std::uint32_t>(stream_.size());
  if (loads_done_ < loads_.size()) first = std::min(first, loads_[loads_done_]);
  if (computes_done_ < computes_.size()) first = std::min(first, computes_[computes_done_]);
  if (stores_done_ < stores_.size()) first = std::min(first, stores_[stores_done_]);
  if (syncs_done_ < syncs_.size()) first = std::min(first, syncs_[syncs_done_]);
  return first;
}

}  // namespace tetris::sim
