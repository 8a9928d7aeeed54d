#include "lib/qr/qr.h"

namespace keel::qr {
namespace {

// ISO/IEC 18004 table 9, indexed [level L/M/Q/H][version - 1]: error correction codewords
// per block, and the number of blocks.
constexpr std::uint8_t ECC_PER_BLOCK[4][40] = {
    {7,  10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
     28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
    {10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
     26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28},
    {13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
     28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
    {17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
     30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
};
constexpr std::uint8_t BLOCKS[4][40] = {
    {1, 1, 1, 1, 1, 2, 2, 2, 2, 4,  4,  4,  4,  4,  6,  6,  6,  6,  7,  8,
     8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25},
    {1,  1,  1,  2,  2,  4,  4,  4,  5,  5,  5,  8,  9,  9,  10, 10, 11, 13, 14, 16,
     17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49},
    {1,  1,  2,  2,  4,  4,  6,  6,  8,  8,  8,  10, 12, 16, 12, 17, 16, 18, 21, 20,
     23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68},
    {1,  1,  2,  4,  4,  4,  5,  6,  8,  8,  11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
     25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81},
};

// The two format-information bits of each level (table 12): L=01, M=00, Q=11, H=10.
constexpr std::uint32_t FORMAT_LEVEL_BITS[4] = {1, 0, 3, 2};

int level_index(Ecc ecc) { return static_cast<int>(ecc); }

// Alignment pattern centres along one axis (table E.1): the first at 6, the last at
// size - 7, the rest evenly spaced by an even step, spare space going to the first gap.
int alignment_positions(int version, int (&out)[7]) {
  if (version == 1) return 0;
  const int count = version / 7 + 2;
  const int size = size_of_version(version);
  const int step = version == 32 ? 26 : (version * 4 + count * 2 + 1) / (count * 2 - 2) * 2;
  out[0] = 6;
  for (int i = count - 1, pos = size - 7; i >= 1; --i, pos -= step) out[i] = pos;
  return count;
}

// Modules left for codewords (data + error correction + remainder bits) once every
// function pattern is drawn.
int raw_data_modules(int version) {
  int modules = (16 * version + 128) * version + 64;
  if (version >= 2) {
    const int align = version / 7 + 2;
    modules -= (25 * align - 10) * align - 55;
    if (version >= 7) modules -= 36;
  }
  return modules;
}

int data_codewords(int version, Ecc ecc) {
  const int l = level_index(ecc);
  return raw_data_modules(version) / 8 - ECC_PER_BLOCK[l][version - 1] * BLOCKS[l][version - 1];
}

int count_bits(int version) { return version <= 9 ? 8 : 16; }

// Bits a byte-mode segment of `length` bytes takes: mode, count, data.
long segment_bits(int version, std::size_t length) {
  return 4 + count_bits(version) + 8L * static_cast<long>(length);
}

// GF(256) with the standard's polynomial x^8 + x^4 + x^3 + x^2 + 1.
std::uint8_t gf_multiply(std::uint8_t a, std::uint8_t b) {
  std::uint32_t product = 0;
  for (int i = 7; i >= 0; --i) {
    product = (product << 1) ^ ((product >> 7) * 0x11D);
    product ^= ((b >> i) & 1) * a;
  }
  return static_cast<std::uint8_t>(product);
}

constexpr int MAX_ECC_PER_BLOCK = 30;

// The generator polynomial of degree `degree`, (x - a^0)(x - a^1)...(x - a^(degree-1)),
// leading coefficient (1) dropped, highest power first.
void rs_generator(int degree, std::uint8_t (&out)[MAX_ECC_PER_BLOCK]) {
  for (int i = 0; i < degree; ++i) out[i] = 0;
  out[degree - 1] = 1;
  std::uint8_t root = 1;
  for (int i = 0; i < degree; ++i) {
    for (int j = 0; j < degree; ++j) {
      out[j] = gf_multiply(out[j], root);
      if (j + 1 < degree) out[j] ^= out[j + 1];
    }
    root = gf_multiply(root, 0x02);
  }
}

// The remainder of data(x) * x^degree divided by the generator: the block's error
// correction codewords.
void rs_remainder(std::span<const std::uint8_t> data, const std::uint8_t (&generator)[MAX_ECC_PER_BLOCK],
                  int degree, std::uint8_t* out) {
  for (int i = 0; i < degree; ++i) out[i] = 0;
  for (std::uint8_t byte : data) {
    const std::uint8_t factor = byte ^ out[0];
    for (int i = 0; i + 1 < degree; ++i) out[i] = out[i + 1];
    out[degree - 1] = 0;
    for (int i = 0; i < degree; ++i) out[i] ^= gf_multiply(generator[i], factor);
  }
}

class BitWriter {
 public:
  explicit BitWriter(std::span<std::uint8_t> out) : out_(out) {
    for (auto& b : out_) b = 0;
  }
  void put(std::uint32_t value, int bits) {
    for (int i = bits - 1; i >= 0; --i, ++length_) {
      if ((value >> i) & 1) out_[length_ / 8] |= static_cast<std::uint8_t>(0x80 >> (length_ % 8));
    }
  }
  long length() const { return length_; }

 private:
  std::span<std::uint8_t> out_;
  long length_ = 0;
};

bool mask_bit(int mask, int x, int y) {
  switch (mask) {
    case 0: return (x + y) % 2 == 0;
    case 1: return y % 2 == 0;
    case 2: return x % 3 == 0;
    case 3: return (x + y) % 3 == 0;
    case 4: return (x / 3 + y / 2) % 2 == 0;
    case 5: return x * y % 2 + x * y % 3 == 0;
    case 6: return (x * y % 2 + x * y % 3) % 2 == 0;
    default: return ((x + y) % 2 + x * y % 3) % 2 == 0;
  }
}

// The BCH remainder of `value` (already shifted left by the generator's degree).
std::uint32_t bch_remainder(std::uint32_t value, std::uint32_t generator, int degree) {
  for (int bit = 31; bit >= degree; --bit) {
    if ((value >> bit) & 1) value ^= generator << (bit - degree);
  }
  return value;
}

}  // namespace

const char* error_name(Error error) {
  switch (error) {
    case Error::TooLong: return "payload too long for the allowed versions";
    case Error::BadVersionRange: return "version range outside 1..40";
    case Error::BadMask: return "mask outside 0..7";
  }
  return "unknown QR error";
}

int byte_capacity(int version, Ecc ecc) {
  const long bits = 8L * data_codewords(version, ecc) - 4 - count_bits(version);
  return static_cast<int>(bits / 8);
}

bool Code::get(const Bits& bits, int x, int y) const {
  const int i = y * size() + x;
  return (bits[static_cast<std::size_t>(i / 8)] >> (i % 8)) & 1;
}

void Code::set(Bits& bits, int x, int y, bool on) {
  const int i = y * size() + x;
  auto& byte = bits[static_cast<std::size_t>(i / 8)];
  const auto bit = static_cast<std::uint8_t>(1u << (i % 8));
  byte = on ? static_cast<std::uint8_t>(byte | bit) : static_cast<std::uint8_t>(byte & ~bit);
}

bool Code::dark(int x, int y) const {
  if (x < 0 || y < 0 || x >= size() || y >= size()) return false;
  return get(modules_, x, y);
}

void Code::set_function(int x, int y, bool on) {
  set(modules_, x, y, on);
  set(function_, x, y, true);
}

void Code::draw_finder(int cx, int cy) {
  // The 7x7 finder plus its one-module light separator, clipped to the symbol.
  for (int dy = -4; dy <= 4; ++dy) {
    for (int dx = -4; dx <= 4; ++dx) {
      const int x = cx + dx, y = cy + dy;
      if (x < 0 || y < 0 || x >= size() || y >= size()) continue;
      const int ring = dx * dx > dy * dy ? (dx < 0 ? -dx : dx) : (dy < 0 ? -dy : dy);
      set_function(x, y, ring != 2 && ring != 4);
    }
  }
}

void Code::draw_alignment(int cx, int cy) {
  for (int dy = -2; dy <= 2; ++dy) {
    for (int dx = -2; dx <= 2; ++dx) {
      const int ring = dx * dx > dy * dy ? (dx < 0 ? -dx : dx) : (dy < 0 ? -dy : dy);
      set_function(cx + dx, cy + dy, ring != 1);
    }
  }
}

void Code::draw_format(int mask) {
  const std::uint32_t data = FORMAT_LEVEL_BITS[level_index(ecc_)] << 3 | static_cast<std::uint32_t>(mask);
  const std::uint32_t bits = ((data << 10) | bch_remainder(data << 10, 0x537, 10)) ^ 0x5412;
  auto bit = [bits](int i) { return ((bits >> i) & 1) != 0; };
  const int n = size();
  // The copy around the top-left finder: up column 8, then left along row 8, skipping
  // the timing pattern at 6.
  for (int i = 0; i <= 5; ++i) set_function(8, i, bit(i));
  set_function(8, 7, bit(6));
  set_function(8, 8, bit(7));
  set_function(7, 8, bit(8));
  for (int i = 9; i < 15; ++i) set_function(14 - i, 8, bit(i));
  // The split copy: row 8 under the top-right finder, column 8 beside the bottom-left.
  for (int i = 0; i < 8; ++i) set_function(n - 1 - i, 8, bit(i));
  for (int i = 8; i < 15; ++i) set_function(8, n - 15 + i, bit(i));
  set_function(8, n - 8, true);  // the dark module, always dark
}

void Code::draw_version() {
  if (version_ < 7) return;
  const auto v = static_cast<std::uint32_t>(version_);
  const std::uint32_t bits = (v << 12) | bch_remainder(v << 12, 0x1F25, 12);
  for (int i = 0; i < 18; ++i) {
    const bool on = ((bits >> i) & 1) != 0;
    const int a = size() - 11 + i % 3, b = i / 3;
    set_function(a, b, on);
    set_function(b, a, on);
  }
}

void Code::draw_function_patterns() {
  const int n = size();
  for (int i = 0; i < n; ++i) {
    set_function(6, i, i % 2 == 0);
    set_function(i, 6, i % 2 == 0);
  }
  draw_finder(3, 3);
  draw_finder(n - 4, 3);
  draw_finder(3, n - 4);
  int positions[7];
  const int count = alignment_positions(version_, positions);
  for (int i = 0; i < count; ++i) {
    for (int j = 0; j < count; ++j) {
      const bool on_finder = (i == 0 && j == 0) || (i == 0 && j == count - 1) ||
                             (i == count - 1 && j == 0);
      if (!on_finder) draw_alignment(positions[i], positions[j]);
    }
  }
  draw_format(0);  // reserves the format area; redrawn with the chosen mask
  draw_version();
}

void Code::place_codewords(std::span<const std::uint8_t> codewords) {
  const int n = size();
  const long total_bits = 8L * static_cast<long>(codewords.size());
  long i = 0;
  // Two-module-wide columns from the right edge, alternately upward and downward; the
  // vertical timing pattern's column 6 is skipped whole.
  for (int right = n - 1; right >= 1; right -= 2) {
    if (right == 6) right = 5;
    const bool upward = ((right + 1) & 2) == 0;
    for (int step = 0; step < n; ++step) {
      const int y = upward ? n - 1 - step : step;
      for (int j = 0; j < 2; ++j) {
        const int x = right - j;
        if (get(function_, x, y)) continue;
        bool on = false;  // remainder bits past the last codeword are 0
        if (i < total_bits) {
          on = ((codewords[static_cast<std::size_t>(i / 8)] >> (7 - i % 8)) & 1) != 0;
        }
        set(modules_, x, y, on);
        ++i;
      }
    }
  }
}

void Code::apply_mask(int mask) {
  const int n = size();
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      if (!get(function_, x, y) && mask_bit(mask, x, y)) set(modules_, x, y, !get(modules_, x, y));
    }
  }
}

long Code::penalty() const {
  const int n = size();
  long score = 0;
  // Rules 1 and 3 run along rows and along columns alike.
  for (int pass = 0; pass < 2; ++pass) {
    auto at = [&](int line, int i) { return pass == 0 ? dark(i, line) : dark(line, i); };
    for (int line = 0; line < n; ++line) {
      // Rule 1: each run of k >= 5 same-colour modules scores 3 + (k - 5).
      int run = 1;
      for (int i = 1; i <= n; ++i) {
        if (i < n && at(line, i) == at(line, i - 1)) {
          ++run;
          continue;
        }
        if (run >= 5) score += 3 + (run - 5);
        run = 1;
      }
      // Rule 3: a dark-light-dark*3-light-dark (1:1:3:1:1) run with four light modules on
      // either side (the quiet zone counts as light) scores 40 per side.
      static constexpr bool CORE[7] = {true, false, true, true, true, false, true};
      for (int i = 0; i + 7 <= n; ++i) {
        bool core = true;
        for (int k = 0; k < 7 && core; ++k) core = at(line, i + k) == CORE[k];
        if (!core) continue;
        bool before = true, after = true;
        for (int k = 1; k <= 4; ++k) {
          before = before && !at(line, i - k);
          after = after && !at(line, i + 6 + k);
        }
        score += 40 * (static_cast<int>(before) + static_cast<int>(after));
      }
    }
  }
  // Rule 2: each 2x2 block of one colour scores 3.
  long dark_count = 0;
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const bool d = dark(x, y);
      dark_count += d;
      if (x + 1 < n && y + 1 < n && d == dark(x + 1, y) && d == dark(x, y + 1) &&
          d == dark(x + 1, y + 1)) {
        score += 3;
      }
    }
  }
  // Rule 4: 10 points per full 5% the dark share deviates from 50%.
  const long total = static_cast<long>(n) * n;
  long deviation = 20 * dark_count - 10 * total;
  if (deviation < 0) deviation = -deviation;
  score += 10 * (deviation / total);
  return score;
}

[[nodiscard]] std::expected<void, Error> encode(std::span<const std::uint8_t> bytes, const Options& options,
                                  Code& out) {
  if (options.min_version < MIN_VERSION || options.max_version > MAX_VERSION ||
      options.min_version > options.max_version) {
    return std::unexpected(Error::BadVersionRange);
  }
  if (options.mask < -1 || options.mask > 7) return std::unexpected(Error::BadMask);

  int version = options.min_version;
  while (segment_bits(version, bytes.size()) > 8L * data_codewords(version, options.min_ecc)) {
    if (++version > options.max_version) return std::unexpected(Error::TooLong);
  }
  // The count field must hold the length, too (16 bits from version 10).
  if (bytes.size() >= (1u << count_bits(version))) return std::unexpected(Error::TooLong);
  Ecc ecc = options.min_ecc;
  if (options.boost_ecc) {
    while (ecc != Ecc::H) {
      const auto higher = static_cast<Ecc>(level_index(ecc) + 1);
      if (segment_bits(version, bytes.size()) > 8L * data_codewords(version, higher)) break;
      ecc = higher;
    }
  }
  out.version_ = version;
  out.ecc_ = ecc;

  // Data codewords: mode 0100, count, bytes, up to four 0 terminator bits, zero bits to a
  // byte boundary, then the pad bytes 0xEC 0x11 alternately.
  const int capacity = data_codewords(version, ecc);
  BitWriter writer(std::span(out.data_).first(static_cast<std::size_t>(capacity)));
  writer.put(0b0100, 4);
  writer.put(static_cast<std::uint32_t>(bytes.size()), count_bits(version));
  for (std::uint8_t b : bytes) writer.put(b, 8);
  const long capacity_bits = 8L * capacity;
  const long terminator = capacity_bits - writer.length() < 4 ? capacity_bits - writer.length() : 4;
  writer.put(0, static_cast<int>(terminator));
  writer.put(0, static_cast<int>((8 - writer.length() % 8) % 8));
  for (std::uint8_t pad = 0xEC; writer.length() < capacity_bits; pad ^= 0xEC ^ 0x11) writer.put(pad, 8);

  // Split into blocks (the short ones first, the long ones one data codeword longer),
  // append each block's error correction, and interleave column by column.
  const int l = level_index(ecc);
  const int blocks = BLOCKS[l][version - 1];
  const int ecc_len = ECC_PER_BLOCK[l][version - 1];
  const int raw = raw_data_modules(version) / 8;
  const int short_blocks = blocks - raw % blocks;
  const int short_len = raw / blocks;  // data + ecc codewords of a short block
  std::uint8_t generator[MAX_ECC_PER_BLOCK];
  rs_generator(ecc_len, generator);
  std::uint8_t ecc_words[MAX_ECC_PER_BLOCK];
  int data_offset = 0;
  for (int b = 0; b < blocks; ++b) {
    const int data_len = short_len - ecc_len + (b < short_blocks ? 0 : 1);
    const auto block = std::span<const std::uint8_t>(out.data_).subspan(
        static_cast<std::size_t>(data_offset), static_cast<std::size_t>(data_len));
    rs_remainder(block, generator, ecc_len, ecc_words);
    for (int i = 0; i < data_len; ++i) {
      // Column i of the data part holds one codeword per block, the short blocks
      // missing the last column.
      const int index = i < short_len - ecc_len ? i * blocks + b
                                                : (short_len - ecc_len) * blocks + (b - short_blocks);
      out.interleaved_[static_cast<std::size_t>(index)] = block[static_cast<std::size_t>(i)];
    }
    for (int i = 0; i < ecc_len; ++i) {
      out.interleaved_[static_cast<std::size_t>(capacity + i * blocks + b)] = ecc_words[i];
    }
    data_offset += data_len;
  }

  out.modules_ = {};
  out.function_ = {};
  out.draw_function_patterns();
  out.place_codewords(std::span<const std::uint8_t>(out.interleaved_).first(static_cast<std::size_t>(raw)));

  int mask = options.mask;
  if (mask < 0) {
    long best = -1;
    for (int m = 0; m < 8; ++m) {
      out.apply_mask(m);
      out.draw_format(m);
      const long score = out.penalty();
      if (best < 0 || score < best) {
        best = score;
        mask = m;
      }
      out.apply_mask(m);  // masking is an XOR: applying it again undoes it
    }
  }
  out.apply_mask(mask);
  out.draw_format(mask);
  out.mask_ = mask;
  return {};
}

}  // namespace keel::qr
