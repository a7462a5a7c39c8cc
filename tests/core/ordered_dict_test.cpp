// OrderedDict: insertion order, lookup, LibTorch's item spelling and its errors.
#include "ember/core/ordered_dict.h"

#include "testing.h"

namespace ember {
namespace {

TEST(OrderedDict, KeepsInsertionOrderAndLooksUpByKey) {
  OrderedDict<std::string, int> d;
  d.insert("b", 2);
  d.insert("a", 1);
  d.insert_or_assign("b", 20);  // keeps its place
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(d.values(), (std::vector<int>{20, 1}));
  EXPECT_EQ(d["a"], 1);
  EXPECT_EQ(d[0].key(), "b");
  EXPECT_EQ(d[1].value(), 1);
  EXPECT_TRUE(d.contains("a"));
  EXPECT_EQ(d.find("z"), nullptr);
  ASSERT_NE(d.find("a"), nullptr);
  *d.find("a") = 5;
  EXPECT_EQ(d.at("a"), 5);
  EXPECT_EQ(d.size(), 2u);
  EXPECT_FALSE(d.is_empty());
}

TEST(OrderedDict, ItemsAreLibTorchItemsAndPairs) {
  OrderedDict<std::string, int> d{{"x", 1}, {"y", 2}};
  std::vector<std::string> seen;
  for (auto& item : d) {
    item.value() *= 10;
    seen.push_back(item.key() + "=" + std::to_string(item.second));
  }
  for (const auto& [key, value] : d) seen.push_back(key + ":" + std::to_string(value));
  EXPECT_EQ(seen, (std::vector<std::string>{"x=10", "y=20", "x:10", "y:20"}));
  EXPECT_EQ(d.front().pair(), (std::pair<std::string, int>("x", 10)));
  EXPECT_EQ(d.back().key(), "y");
}

TEST(OrderedDict, PopAndUpdateKeepTheIndexRight) {
  OrderedDict<std::string, int> d{{"a", 1}, {"b", 2}, {"c", 3}};
  EXPECT_EQ(d.pop("a"), 1);
  EXPECT_EQ(d["c"], 3);
  EXPECT_EQ(d[0].key(), "b");
  OrderedDict<std::string, int> more{{"c", 30}, {"d", 4}};
  d.update(more);
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_EQ(d["c"], 30);
  d.clear();
  EXPECT_TRUE(d.empty());
}

TEST(OrderedDict, BadKeysAndIndicesAreErrorsNamingThem) {
  OrderedDict<std::string, int> d("Parameter");
  d.insert("w", 1);
  EXPECT_EMBER_ERROR(d.insert("w", 2), "Parameter: duplicate key 'w'");
  EXPECT_EMBER_ERROR(d["v"], "Parameter: no entry named 'v'");
  EXPECT_EMBER_ERROR(d.pop("v"), "Parameter: no entry named 'v'");
  EXPECT_EMBER_ERROR(d[size_t{3}], "Parameter: index 3 is out of range for 1 entries");
  try {
    d.at("v");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Index);
  }
}

}  // namespace
}  // namespace ember
