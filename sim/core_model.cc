#include "sim/core_model.h"

#include <algorithm>

namespace tetris::sim {

CoreModel::CoreModel(CoreId id, const Program& program, const AddressMap& addresses, const TimingModel& timing,
                     const Jitter& jitter)
    : id_(id),
      stream_(program.streams[id]),
      addresses_(addresses),
      timing_(timing),
      jitter_(jitter),
      layer_spans_(program.layers.size()) {
  before_.reserve(stream_.size());
  for (std::uint32_t i = 0; i < stream_.size(); ++i) {
    before_.push_back({static_cast<std::uint32_t>(loads_.size()), static_cast<std::uint32_t>(computes_.size()),
                       static_cast<std::uint32_t>(stores_.size()), static_cast<std::uint32_t>(syncs_.size())});
    const Operation& op = stream_[i].op;
    if (std::holds_alternative<Load>(op)) {
      loads_.push_back(i);
    } else if (std::holds_alternative<Compute>(op)) {
      computes_.push_back(i);
    } else if (std::holds_alternative<Store>(op)) {
      stores_.push_back(i);
    } else {
      syncs_.push_back(i);
    }
  }
  stats_.instructions = stream_.size();
}

std::pair<std::uint64_t, std::uint64_t> CoreModel::hull(std::uint32_t index) const {
  const Operation& op = stream_[index].op;
  const auto* load = std::get_if<Load>(&op);
  const TensorId tensor = load ? load->tensor : std::get<Store>(op).tensor;
  const TensorRange& range = load ? load->range : std::get<Store>(op).range;
  const std::uint64_t base = addresses_.base(tensor);
  return {base + range.offset, base + range.end()};
}

bool CoreModel::load_ready(std::uint32_t index) const {
  const Before& b = before_[index];
  if (syncs_done_ < b.syncs) return false;
  if (b.computes >= 2 && computes_done_ < b.computes - 1) return false;
  if (b.stores <= stores_done_) return true;
  if (b.stores - stores_done_ > kStoreQueueDepth) return false;
  const auto [lo, hi] = hull(index);
  for (std::uint32_t s = stores_done_; s < b.stores; ++s) {
    const auto [slo, shi] = hull(stores_[s]);
    if (slo < hi && lo < shi) return false;
  }
  return true;
}

bool CoreModel::compute_ready(std::uint32_t index) const {
  const Before& b = before_[index];
  if (syncs_done_ < b.syncs || loads_done_ < b.loads) return false;
  return b.computes == 0 || stores_done_ >= before_[computes_[b.computes - 1]].stores;
}

bool CoreModel::store_ready(std::uint32_t index) const {
  const Before& b = before_[index];
  return syncs_done_ >= b.syncs && loads_done_ >= b.loads && computes_done_ >= b.computes;
}

bool CoreModel::sync_ready(std::uint32_t index) const {
  const Before& b = before_[index];
  return loads_done_ >= b.loads && computes_done_ >= b.computes && stores_done_ >= b.stores;
}

void CoreModel::begin(std::uint32_t index, Cycles now) {
  if (const auto& layer = stream_[index].layer) {
    LayerSpan& span = layer_spans_[*layer];
    span.first = std::min(span.first, now);
  }
}

void CoreModel::end(std::uint32_t index, Cycles now) {
  if (const auto& layer = stream_[index].layer) {
    LayerSpan& span = layer_spans_[*layer];
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

void CoreModel::transfer_done(TransferKind kind) {
  (kind == TransferKind::load ? load_finished_ : store_finished_) = true;
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

std::optional<Cycles> CoreModel::advance(Cycles now, CorePorts& ports) {
  account(now);
  if (load_finished_) {
    load_finished_ = load_busy_ = false;
    end(loads_[loads_done_++], now);
  }
  if (store_finished_) {
    store_finished_ = store_busy_ = false;
    end(stores_[stores_done_++], now);
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
      stats_.bytes_read += std::get<Load>(stream_[index].op).range.bytes();
      ports.start_transfer(id_, TransferKind::load, index, now);
      progress = true;
    }
    if (compute_end_ == kNever && next_compute_ < computes_.size() && compute_ready(computes_[next_compute_])) {
      const std::uint32_t index = computes_[next_compute_++];
      const Compute& compute = std::get<Compute>(stream_[index].op);
      const Cycles cycles = timing_.compute_cycles(compute.op, compute.work);
      compute_end_ = now + cycles + jitter_.extra(cycles, id_, index, JitterTarget::compute);
      begin(index, now);
      progress = true;
    }
    if (!store_busy_ && next_store_ < stores_.size() && store_ready(stores_[next_store_])) {
      const std::uint32_t index = stores_[next_store_++];
      store_busy_ = true;
      begin(index, now);
      stats_.bytes_written += std::get<Store>(stream_[index].op).range.bytes();
      ports.start_transfer(id_, TransferKind::store, index, now);
      progress = true;
    }
    if (!sync_active_ && next_sync_ < syncs_.size() && sync_ready(syncs_[next_sync_])) {
      start_sync(syncs_[next_sync_], now, ports);
      progress = true;
    }
  }
  Cycles next = compute_end_;
  if (sync_active_) next = std::min(next, sync_release_);
  if (next == kNever) return std::nullopt;
  return next;
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
