// UTF-8 checking of names from users' files, and JSON that survives names that are not UTF-8.
#include "common/text.h"

#include <gtest/gtest.h>

#include <string>

namespace tetris {
namespace {

TEST(Text, AcceptsUtf8AndFindsTheFirstStrayByte) {
  EXPECT_EQ(first_non_utf8(""), std::nullopt);
  EXPECT_EQ(first_non_utf8("conv1_relu"), std::nullopt);
  EXPECT_EQ(first_non_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"), std::nullopt);  // é € 😀 U+10FFFF
  EXPECT_EQ(first_non_utf8("ab\xff"), 2u);
  EXPECT_EQ(first_non_utf8("a\xc0\x80"), 1u);         // overlong NUL
  EXPECT_EQ(first_non_utf8("\xe0\x80\xaf"), 0u);      // overlong '/'
  EXPECT_EQ(first_non_utf8("x\xed\xa0\x80"), 1u);     // a surrogate
  EXPECT_EQ(first_non_utf8("\xf4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(first_non_utf8("ok\xe2\x82"), 2u);        // cut short
  EXPECT_EQ(first_non_utf8("\xc3\xa9\x80"), 2u);      // a lone continuation byte
}

TEST(Text, JsonReplacesStrayBytesInsteadOfThrowing) {
  const nlohmann::json json = {{"name", std::string("relu\xff")}};
  EXPECT_THROW((void)json.dump(), nlohmann::json::type_error);
  EXPECT_EQ(json_text(json), "{\"name\":\"relu\xef\xbf\xbd\"}");
}

}  // namespace
}  // namespace tetris
