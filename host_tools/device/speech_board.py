# Runs on a board, sent over the raw REPL by `python -m host_tools speech --port`: TFLM's
# micro_speech pipeline through ulite's public API, the front end and classifier model
# modules put there by `flash`. Names start with _ul_ (the user's REPL globals).
import array
import binascii
import gc
import time

_UL_CHUNK = 192  # output bytes per base64 line: loaded models leave small blocks free


def _ul_speech_load(front_name, classifier_name):
    global _ul_front, _ul_classifier, _ul_us
    front_module = __import__(front_name)
    classifier_module = __import__(classifier_name)
    gc.collect()
    # the arenas first, while the heap is in one piece; then ulite's modules around them
    classifier_arena = bytearray(classifier_module.ARENA_BYTES)
    front_arena = bytearray(front_module.ARENA_BYTES)
    import ulite
    from ulite.audio import FrontEnd

    _ul_front = FrontEnd(front_module.MODEL, arena=front_arena)
    _ul_classifier = ulite.Interpreter(classifier_module.MODEL, arena=classifier_arena)
    _ul_us = 0
    gc.collect()
    print(repr({"heap_free": gc.mem_free()}))


def _ul_speech_feed(offset, text):
    global _ul_us
    samples = array.array("h", binascii.a2b_base64(text))
    start = time.ticks_us()
    _ul_front.feed(samples)
    _ul_us += time.ticks_diff(time.ticks_us(), start)


def _ul_speech_classify():
    gc.collect()
    start = time.ticks_us()
    _ul_front.write_window(_ul_classifier.input(0).data)
    _ul_classifier.invoke()
    classifier_us = time.ticks_diff(time.ticks_us(), start)
    arena = _ul_front.interpreter.arena_used + _ul_classifier.arena_used
    report = {"frames": _ul_front.frames, "front_end_us": _ul_us, "classifier_us": classifier_us}
    report.update({"arena_bytes": arena, "heap_free": gc.mem_free()})
    print(repr(report))


def _ul_speech_output(index):
    data = (_ul_front.window, _ul_classifier.output(0).data)[index]
    for offset in range(0, len(data), _UL_CHUNK):
        print(binascii.b2a_base64(data[offset : offset + _UL_CHUNK]).decode().strip())
