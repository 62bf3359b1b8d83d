#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/metrics_http.h"
#include "server/metrics_report.h"
#include "server/request_family.h"

namespace memcd {
namespace {

TEST(MetricsReportTest, PrintableKeyEscapesUnsafeBytes) {
  const struct {
    std::string in;
    const char* out;
  } kCases[] = {
      {"plain:key", "plain:key"},
      {"a b", "a%20b"},
      {"100%", "100%25"},
      {std::string("nul\0x", 5), "nul%00x"},
      {"\r\n", "%0D%0A"},
      {"\x7f\xff\xc3\xa9", "%7F%FF%C3%A9"},
      {"q\"uo\\te", "q\"uo\\te"},  // printable: the label escaping handles these
  };
  for (const auto& c : kCases) EXPECT_EQ(PrintableKey(c.in), c.out) << c.out;
}

TEST(MetricsReportTest, MetricsAddressesFollowListen) {
  std::vector<ListenAddress> out;
  std::string error;
  ASSERT_TRUE(MetricsAddresses({}, "", 9150, &out, &error));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].host, "");  // every interface, as the cache port
  EXPECT_EQ(out[0].port, 9150);

  ASSERT_TRUE(MetricsAddresses({"127.0.0.1:11211", "10.0.0.1", "127.0.0.1:11212"}, "", 9150,
                               &out, &error));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].host, "127.0.0.1");
  EXPECT_EQ(out[0].port, 9150);
  EXPECT_EQ(out[1].host, "10.0.0.1");

  ASSERT_TRUE(MetricsAddresses({"10.0.0.1"}, "/tmp/memcd.sock", 9150, &out, &error));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].host, "127.0.0.1");  // -s: loopback only
}

TEST(MetricsReportTest, RequestFamilies) {
  EXPECT_EQ(FamilyOfText(TextCommand::kGets), CommandFamily::kGet);
  EXPECT_EQ(FamilyOfText(TextCommand::kGat), CommandFamily::kTouch);
  EXPECT_EQ(FamilyOfText(TextCommand::kCas), CommandFamily::kSet);
  EXPECT_EQ(FamilyOfText(TextCommand::kDecr), CommandFamily::kIncrDecr);
  EXPECT_EQ(FamilyOfText(TextCommand::kStats), CommandFamily::kOther);
  EXPECT_EQ(FamilyOfMeta("mg foo v\r\n"), CommandFamily::kMetaGet);
  EXPECT_EQ(FamilyOfMeta("ms foo 2\r\n"), CommandFamily::kMetaSet);
  EXPECT_EQ(FamilyOfMeta("md foo\r\n"), CommandFamily::kMetaDelete);
  EXPECT_EQ(FamilyOfMeta("ma foo\r\n"), CommandFamily::kMetaArith);
  EXPECT_EQ(FamilyOfMeta("mn\r\n"), CommandFamily::kOther);
  EXPECT_EQ(FamilyOfBinary(0x0d), CommandFamily::kGet);     // getkq
  EXPECT_EQ(FamilyOfBinary(0x19), CommandFamily::kSet);     // appendq
  EXPECT_EQ(FamilyOfBinary(0x14), CommandFamily::kDelete);  // deleteq
  EXPECT_EQ(FamilyOfBinary(0x16), CommandFamily::kIncrDecr);
  EXPECT_EQ(FamilyOfBinary(0x1e), CommandFamily::kTouch);   // gatq
  EXPECT_EQ(FamilyOfBinary(0x10), CommandFamily::kOther);   // stat
}

}  // namespace
}  // namespace memcd
