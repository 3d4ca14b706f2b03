function md5hex(text) {
  function add(x, y) { var l = (x & 0xffff) + (y & 0xffff); return (((x >> 16) + (y >> 16) + (l >> 16)) << 16) | (l & 0xffff); }
  function rol(n, c) { return (n << c) | (n >>> (32 - c)); }
  function cmn(q, a, b, x, s, t) { return add(rol(add(add(a, q), add(x, t)), s), b); }
  function ff(a, b, c, d, x, s, t) { return cmn((b & c) | (~b & d), a, b, x, s, t); }
  function gg(a, b, c, d, x, s, t) { return cmn((b & d) | (c & ~d), a, b, x, s, t); }
  function hh(a, b, c, d, x, s, t) { return cmn(b ^ c ^ d, a, b, x, s, t); }
  function ii(a, b, c, d, x, s, t) { return cmn(c ^ (b | ~d), a, b, x, s, t); }
  var bytes = new TextEncoder().encode(text), n = bytes.length;
  var words = new Array((((n + 8) >> 6) + 1) * 16).fill(0);
  for (var i = 0; i < n; i++) words[i >> 2] |= bytes[i] << ((i % 4) * 8);
  words[n >> 2] |= 0x80 << ((n % 4) * 8);
  words[words.length - 2] = n * 8;
  var a = 1732584193, b = -271733879, c = -1732584194, d = 271733878;
  var S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  var K = [];
  for (var k = 0; k < 64; k++) K[k] = Math.floor(Math.abs(Math.sin(k + 1)) * 4294967296) | 0;
  for (var o = 0; o < words.length; o += 16) {
    var aa = a, bb = b, cc = c, dd = d;
    for (var j = 0; j < 64; j++) {
      var r = j >> 4, f, g, t;
      if (r === 0) { f = ff; g = j; } else if (r === 1) { f = gg; g = (5 * j + 1) % 16; }
      else if (r === 2) { f = hh; g = (3 * j + 5) % 16; } else { f = ii; g = (7 * j) % 16; }
      t = f(a, b, c, d, words[o + g], S[r * 4 + (j % 4)], K[j]);
      a = d; d = c; c = b; b = t;
    }
    a = add(a, aa); b = add(b, bb); c = add(c, cc); d = add(d, dd);
  }
  var hex = "";
  [a, b, c, d].forEach(function (w) { for (var q = 0; q < 4; q++) hex += ((w >> (q * 8)) & 255).toString(16).padStart(2, "0"); });
  return hex;
}
