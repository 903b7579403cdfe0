# Two entry points a fresh machine needs: `make demo` and `make test`. Both install what they need and are safe to
# run twice. torch is pinned and installed before anything that could pull it in: on these machines torch==2.13.0 is a
# CPU build already on disk, while an unpinned torch drags in a multi-GB CUDA build.
PYTHON ?= python3
PIP := $(PYTHON) -m pip
TORCH_PIN := torch==2.13.0
# espeak-ng: test speech and pronunciations of unknown words; OSMesa/EGL/Mesa: the offscreen preview renderer;
# chromium + chromedriver: the perceptual-study page is tested in a real headless browser;
# blender: the add-on in blender_addon/ is tested in headless Debian Blender (3.4.1; +640 MB, ~20 s to install);
# nodejs (with its npm): the Khronos glTF validator checks the .glb exporter; flite: four more English speakers for
# training and choosing checkpoints (emoanim.train.flite).
APT_PACKAGES := espeak-ng libosmesa6 libegl1 libgl1-mesa-dri chromium chromium-driver blender nodejs flite
GLTF_VALIDATOR := tools/node_modules/gltf-validator/package.json
EVAL_APT_PACKAGES := asterisk-core-sounds-en-g722 asterisk-core-sounds-en asterisk-core-sounds-fr-g722 \
	asterisk-core-sounds-fr asterisk-core-sounds-it-g722 asterisk-core-sounds-it
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMP := .setup-stamp
FACE_MODELS := $(HOME)/.cache/emoanim/mediapipe-0.10.14

.PHONY: setup models gltf-validator blender-addon demo test bench eval train asterisk-prompts clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi
	$(PIP) install -q $(TORCH_PIN)
	$(PIP) install -q -e '.[test]'
	# pyrender 0.1.45 pins PyOpenGL 3.1.0, whose OSMesa binding fails; 3.1.10 works. Installing both in one command
	# makes pip fall back to pyrender 0.1.18, so they go in two steps (ENVIRONMENT-NOTES.md).
	$(PIP) install -q pyrender==0.1.45
	$(PIP) install -q PyOpenGL==3.1.10
	$(MAKE) models gltf-validator
	touch $@

gltf-validator: $(GLTF_VALIDATOR)

$(GLTF_VALIDATOR):
	npm install --prefix tools --no-audit --no-fund --no-save gltf-validator@2.0.0-dev.3.10

# An installable add-on zip (Blender 3.4-4.1 add-on installer and 4.2+ "Install from Disk").
blender-addon: out/emoanim_blender.zip

out/emoanim_blender.zip: $(wildcard blender_addon/*.py) blender_addon/blender_manifest.toml
	mkdir -p out
	$(PYTHON) -c "import sys, zipfile, pathlib; z = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED); [z.write(p, 'emoanim_blender/' + p.name) for p in sorted(pathlib.Path('blender_addon').iterdir()) if p.is_file() and p.suffix in ('.py', '.toml')]; z.close()" $@

# The photo face detector's models come out of mediapipe 0.10.14's wheel (Apache-2.0): downloaded from PyPI at set-up,
# never at run time; mediapipe itself is not installed (it pins numpy<2).
models: $(FACE_MODELS)/face_landmark.tflite

$(FACE_MODELS)/face_landmark.tflite:
	rm -rf /tmp/emoanim-mediapipe-wheel
	$(PIP) download -q --no-deps -d /tmp/emoanim-mediapipe-wheel mediapipe==0.10.14
	$(PYTHON) scripts/extract_mediapipe_models.py /tmp/emoanim-mediapipe-wheel $(FACE_MODELS)

demo: setup
	$(PYTHON) -m emoanim render examples/speech.wav --transcript examples/speech.txt --emotion happy --rig metahuman --out out/
	$(PYTHON) -m emoanim render examples/speech.wav --emotion "neutral@0,happy:0.8@8,sad@16" --rig arkit --format livelinkface --out out/timeline/
	$(PYTHON) -m emoanim render examples/speech.wav --animator emote --emotion sad --rig metahuman --out out/emote/

test: setup
	$(PYTHON) -m pytest -q

bench: setup
	$(PYTHON) benchmarks/pipeline_speed.py

# The Asterisk prompts (Debian packages): real English speech with transcripts (CC BY-SA 3.0), for eval and train;
# French (CC BY-SA 3.0) and Italian (CC BY 3.0) voices, for train (emoanim.train.asterisk).
asterisk-prompts:
	@missing=""; for p in $(EVAL_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi

# Real-speech lip-sync figures on the Asterisk prompts.
eval: setup asterisk-prompts
	$(PYTHON) benchmarks/lipsync_asterisk.py

# The learned animators from scratch into runs/ (critics, FLINT prior, then EMOTE and EmoFace), by steps: hours on a
# CPU. checkpoints/ was made by scripts/train_gpu.sh, the same sequence on a GPU by time budget (see the model cards).
FACEGOOD ?= ../shared/data/facegood
TRAIN_DATA = data.facegood.root=$(FACEGOOD)
PHONE_INPUT = model.phone_input=true data.flite.count=846 data.phone_input.heard=0.5 data.phone_input.dropout=0.2 \
	'data.phone_input.exact_only=[synthetic]'
train: setup asterisk-prompts
	$(PYTHON) -m emoanim train configs/lipreader.yaml $(TRAIN_DATA)
	$(PYTHON) -m emoanim train configs/expression.yaml $(TRAIN_DATA)
	$(PYTHON) -m emoanim train configs/flint.yaml $(TRAIN_DATA)
	$(PYTHON) -m emoanim train configs/emote.yaml $(TRAIN_DATA)
	$(PYTHON) -m emoanim train configs/emoface.yaml $(TRAIN_DATA)
	# the phone-input round (scripts/finetune_phones_cpu.sh), by steps: both shipped checkpoints read phones
	$(PYTHON) -m emoanim train configs/emote.yaml $(TRAIN_DATA) $(PHONE_INPUT) model.forced_flag=true \
		train.init=runs/emote/last.pt train.out=runs/emote_phones train.steps=5000 train.lr=1e-4
	$(PYTHON) -m emoanim train configs/emoface.yaml $(TRAIN_DATA) $(PHONE_INPUT) train.init=runs/emoface/last.pt \
		train.out=runs/emoface_phones train.steps=6000 train.lr=1e-4
	@echo "runs/*/last.pt: ship one with python -c 'from emoanim.models.checkpoint import release_checkpoint as r; r(\"runs/emote_phones/last.pt\", \"checkpoints/emote.pt\")'"

clean:
	rm -rf out $(STAMP) .pytest_cache
