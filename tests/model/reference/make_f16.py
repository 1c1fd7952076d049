# make_f16.py SRC_DIR DST_DIR — the model in SRC_DIR (written by jina_clip_ref.py make) stored as
# F16 in DST_DIR, with reference outputs recomputed from the F16-rounded weights, so a loader that
# converts F16 -> F32 exactly must reproduce them as closely as for F32 weights.
import json, os, shutil, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import jina_clip_ref as ref  # noqa: E402

src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
shutil.copy(os.path.join(src, "config.json"), dst)
cfg = ref.ClipConfig.from_json(json.load(open(os.path.join(src, "config.json"))))
w, _ = ref.load_safetensors(os.path.join(src, "model.safetensors"))
half = {k: v.half() for k, v in w.items()}
ref.save_safetensors(os.path.join(dst, "model.safetensors"), half)
wf = {k: v.float() for k, v in half.items()}
io, _ = ref.load_safetensors(os.path.join(src, "reference_io.safetensors"))
ids, mask = io["input_ids"].long(), io["attention_mask"].long()
trace = {}
with torch.no_grad():
    emb = ref.text_forward(wf, cfg.text, ids, mask, trace)
    L = int(mask[1].sum())
    row1 = ref.text_forward(wf, cfg.text, ids[1:2, :L], mask[1:2, :L])
out = {"input_ids": io["input_ids"], "attention_mask": io["attention_mask"], "text_embeds": emb,
       "text_embeds_normalized": ref.l2_normalize(emb), "text_embeds_row1_unpadded": row1}
out.update(trace)
ref.save_safetensors(os.path.join(dst, "reference_io.safetensors"), out)
