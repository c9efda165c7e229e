;; Finds raw control characters in JSONL bytes, sixteen bytes per instruction. JSON forbids them
;; inside strings, and the fast JSON path (../jsonLine.ts) does not look at every character, so it
;; runs only on lines this scan found clean. Line breaks are not control characters here: '\n', and
;; '\r' directly before '\n' (CRLF files).
(module
  (memory (export "memory") 1)

  ;; First offset in [from, end) holding a byte below 0x20 that is not a line break, or -1.
  (func (export "firstControl") (param $from i32) (param $end i32) (result i32)
    (local $i i32)
    (local $found i32)
    (local $block v128)
    (local.set $i (local.get $from))
    (block $tail
      (loop $blocks
        (br_if $tail (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
        (local.set $block (v128.load (local.get $i)))
        ;; Bytes below 0x20 other than '\n': rare, so a flagged block is checked byte by byte.
        (if (v128.any_true
              (v128.andnot
                (i8x16.lt_u (local.get $block) (i8x16.splat (i32.const 0x20)))
                (i8x16.eq (local.get $block) (i8x16.splat (i32.const 0x0a)))))
          (then
            (local.set $found (call $scalar (local.get $i) (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
            (if (i32.ge_s (local.get $found) (i32.const 0)) (then (return (local.get $found))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $blocks)))
    (call $scalar (local.get $i) (local.get $end) (local.get $end)))

  ;; The same test one byte at a time over [from, to); `end` bounds the look-ahead after a '\r'.
  (func $scalar (param $from i32) (param $to i32) (param $end i32) (result i32)
    (local $i i32)
    (local $byte i32)
    (local.set $i (local.get $from))
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $i) (local.get $to)))
        (local.set $byte (i32.load8_u (local.get $i)))
        (if (i32.and
              (i32.lt_u (local.get $byte) (i32.const 0x20))
              (i32.ne (local.get $byte) (i32.const 0x0a)))
          (then
            (if (i32.eqz
                  (i32.and
                    (i32.eq (local.get $byte) (i32.const 0x0d))
                    (i32.and
                      (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $end))
                      (i32.eq (i32.load8_u offset=1 (local.get $i)) (i32.const 0x0a)))))
              (then (return (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $bytes)))
    (i32.const -1)))
