// The radix sort against std::stable_sort: keys of every width, duplicates, and stability.
#include "sim/radix_sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <random>
#include <vector>

namespace tetris::sim {
namespace {

struct Item {
  std::uint64_t key = 0;
  std::uint32_t order = 0;  // position before sorting: equal keys must keep it
  bool operator==(const Item&) const = default;
};

TEST(RadixSort, MatchesAStableSortForEveryKeyWidth) {
  std::mt19937_64 random(3);
  for (const int bits : {0, 1, 5, 13, 14, 26, 27, 32, 40, 63, 64}) {
    for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{5000}}) {
      std::vector<Item> items(n);
      for (std::uint32_t i = 0; i < n; ++i) {
        std::uint64_t key = bits == 0 ? 0 : random() >> (64 - bits);
        if (i % 3 == 0) key &= 0xff;  // duplicates
        items[i] = {key, i};
      }
      std::vector<Item> expected = items;
      std::stable_sort(expected.begin(), expected.end(), [](const Item& a, const Item& b) { return a.key < b.key; });
      std::uint64_t max = 0;
      for (const Item& item : items) max = std::max(max, item.key);
      radix_sort(std::span<Item>(items), std::bit_width(max), [](const Item& item) { return item.key; });
      ASSERT_EQ(items, expected) << bits << " bits, " << n << " items";
    }
  }
}

}  // namespace
}  // namespace tetris::sim
