;; AdamW over float32 arrays in this module's memory, four lanes at a time (wasm SIMD f32x4).
;; Same arithmetic as adamwKernel in ../optim.ts, in float32 as PyTorch does it:
;;   g = grad * scale; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
;;   p = p * decay - step * m / (sqrt(v) * inv + eps)
;; a1 = 1 - b1 and a2 = 1 - b2 come from the caller, rounded once from float64 (1 - 0.999 in float32
;; would be 0.00100005). `bytes` is a multiple of 16; the caller handles the last n % 4 elements.
;; Compiled by scripts/build-wasm.mjs into adamw.wasm.ts.
(module
  (memory (export "memory") 1)
  (func (export "adamw")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $bytes i32)
    (param $scale f32) (param $beta1 f32) (param $beta2 f32) (param $a1 f32) (param $a2 f32) (param $eps f32)
    (param $decay f32) (param $step f32) (param $inv f32)
    (local $i i32) (local $gs v128) (local $mi v128) (local $vi v128)
    (local $vscale v128) (local $vb1 v128) (local $va1 v128) (local $vb2 v128) (local $va2 v128)
    (local $veps v128) (local $vdecay v128) (local $vstep v128) (local $vinv v128)
    (local.set $vscale (f32x4.splat (local.get $scale)))
    (local.set $vb1 (f32x4.splat (local.get $beta1)))
    (local.set $va1 (f32x4.splat (local.get $a1)))
    (local.set $vb2 (f32x4.splat (local.get $beta2)))
    (local.set $va2 (f32x4.splat (local.get $a2)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $vdecay (f32x4.splat (local.get $decay)))
    (local.set $vstep (f32x4.splat (local.get $step)))
    (local.set $vinv (f32x4.splat (local.get $inv)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (local.set $gs (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $i))) (local.get $vscale)))
        (local.set $mi (f32x4.add
          (f32x4.mul (local.get $vb1) (v128.load (i32.add (local.get $m) (local.get $i))))
          (f32x4.mul (local.get $va1) (local.get $gs))))
        (local.set $vi (f32x4.add
          (f32x4.mul (local.get $vb2) (v128.load (i32.add (local.get $v) (local.get $i))))
          (f32x4.mul (f32x4.mul (local.get $va2) (local.get $gs)) (local.get $gs))))
        (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $mi))
        (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vi))
        (v128.store (i32.add (local.get $p) (local.get $i))
          (f32x4.sub
            (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $i))) (local.get $vdecay))
            (f32x4.div
              (f32x4.mul (local.get $vstep) (local.get $mi))
              (f32x4.add (f32x4.mul (f32x4.sqrt (local.get $vi)) (local.get $vinv)) (local.get $veps)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))))
