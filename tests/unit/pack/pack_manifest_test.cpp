// A pack's manifest: entry digests that do not depend on how the bytes arrive (pieces, holes
// or zeros), and the MAC over the manifest's bytes.
#include "pack/pack_manifest.hpp"

#include <gtest/gtest.h>

namespace hurdle {
namespace {

TEST(EntryDigest, TheSameBytesGiveOneDigestWhateverThePiecesAndHoles) {
  std::string dense(300000, '\0');
  for (std::size_t i = 70000; i < 90000; ++i) dense[i] = static_cast<char>(i % 251 + 1);
  dense[299999] = 'z';
  EntryDigest whole;
  whole.feed(0, dense);
  const std::string expected = whole.finish(dense.size());

  EntryDigest pieces;  // odd pieces, crossing blocks
  for (std::size_t at = 0; at < dense.size(); at += 7777)
    pieces.feed(at, std::string_view(dense).substr(at, 7777));
  EXPECT_EQ(pieces.finish(dense.size()), expected);

  EntryDigest sparse;  // only the data, the zeros as holes
  sparse.feed(70000, std::string_view(dense).substr(70000, 20000));
  sparse.feed(299999, "z");
  EXPECT_EQ(sparse.finish(dense.size()), expected);

  EntryDigest longer;  // the same data, one more hole at the end
  longer.feed(0, dense);
  EXPECT_NE(longer.finish(dense.size() + 1), expected);

  EntryDigest changed;
  dense[80000] ^= 1;
  changed.feed(0, dense);
  EXPECT_NE(changed.finish(dense.size()), expected);

  EntryDigest back;
  back.feed(100, "x");
  EXPECT_THROW(back.feed(50, "y"), std::invalid_argument);
}

TEST(PackMac, OnlyTheSameSecretOverTheSameBytesMatches) {
  const std::string mac = pack_mac("a secret of sixteen", "{\"format\": 2}\n");
  EXPECT_TRUE(mac.starts_with("hmac-sha256:"));
  EXPECT_EQ(mac.size(), 12u + 64u + 1u);
  EXPECT_TRUE(pack_mac_matches("a secret of sixteen", "{\"format\": 2}\n", mac));
  EXPECT_FALSE(pack_mac_matches("a secret of sixteeN", "{\"format\": 2}\n", mac));
  EXPECT_FALSE(pack_mac_matches("a secret of sixteen", "{\"format\": 2} \n", mac));
  EXPECT_FALSE(pack_mac_matches("a secret of sixteen", "{\"format\": 2}\n", mac.substr(1)));
  // RFC 4231 test case 2: HMAC-SHA256 of "what do ya want for nothing?" under "Jefe".
  EXPECT_EQ(pack_mac("Jefe", "what do ya want for nothing?"),
            "hmac-sha256:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843\n");
}

TEST(PackManifest, OnlyTheNamesAndSizesOfATemplate) {
  EXPECT_TRUE(pack_entry_limit("template/machine.state"));
  EXPECT_TRUE(pack_entry_limit("template/hd0.qcow2"));
  EXPECT_FALSE(pack_entry_limit("template/../x.qcow2"));
  EXPECT_FALSE(pack_entry_limit("template/notes.txt"));
  EXPECT_FALSE(pack_entry_limit("other/ram"));
  EXPECT_EQ(memory_of_key_inputs({{"argv", {"qemu", "-m", "512"}}}), 512ULL << 20);
  EXPECT_FALSE(memory_of_key_inputs({{"argv", {"qemu", "-m", "512M"}}}));
  EXPECT_FALSE(memory_of_key_inputs({{"argv", "-m 512"}}));

  PackManifest m;
  m.key = std::string(64, 'a');
  m.entries = {{"template/key-inputs.json", 10, std::string(64, 'b')},
               {"template/saved-machine.json", 10, std::string(64, 'c')},
               {"ram", 1 << 20, std::string(64, 'd')}};
  std::string why;
  const auto back = PackManifest::parse(m.text(), why);
  ASSERT_TRUE(back) << why;
  EXPECT_EQ(back->text(), m.text());
  std::swap(m.entries[0], m.entries[1]);
  EXPECT_FALSE(PackManifest::parse(m.text(), why));
  EXPECT_EQ(why, "its first entry is not template/key-inputs.json");
}

}  // namespace
}  // namespace hurdle
