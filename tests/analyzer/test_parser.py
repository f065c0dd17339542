"""Grammar rules and error paths of the DSL parser, on inline snippets."""

from __future__ import annotations

import dataclasses
import inspect
import pickle

import pytest

from analyzer.errors import DSLSyntaxError
from analyzer.model import CacheEntry, Family, InstDef, Label, Macro, MacroPart, Pseudo, StackEffect, StackItem
from analyzer.parser import parse_source
from analyzer.source import Source


def parse(defs: str, name: str = "Python/bytecodes.c"):
    text = f"// header\n// BEGIN BYTECODES //\n{defs}\n// END BYTECODES //\n"
    return parse_source(Source.from_text(text, name=name))


def only(defs: str):
    parsed = parse(defs)
    assert len(parsed.definitions) == 1, parsed.definitions
    return parsed.definitions[0]


def error_of(defs: str) -> DSLSyntaxError:
    with pytest.raises(DSLSyntaxError) as info:
        parse(defs)
    return info.value


class TestInstAndOp:
    def test_inst_with_inputs_outputs_and_body_lines(self):
        d = only("        inst(BINARY_OP, (lhs, rhs -- res)) {\n            res = lhs;\n        }")
        assert isinstance(d, InstDef)
        assert (d.kind, d.name, d.line, d.end_line, d.body_line) == ("inst", "BINARY_OP", 3, 5, 3)
        assert [i.name for i in d.stack.inputs] == ["lhs", "rhs"]
        assert [o.name for o in d.stack.outputs] == ["res"]
        assert "res = lhs;" in d.body

    def test_op_with_annotations_in_any_order(self):
        a = only("replicate(8) pure op(_LOAD_FAST, (-- value)) { }")
        b = only("pure replicate(1:4) op(_COPY, (bottom, unused[oparg-1] -- bottom, unused[oparg-1], top)) { }")
        assert a.annotations == ("replicate(8)", "pure")
        assert b.annotations == ("pure", "replicate(1:4)")
        assert b.stack.inputs[1] == StackItem("unused", size="oparg-1")

    def test_space_before_paren_and_brace_on_next_line(self):
        d = only("inst (LOAD_FAST_BORROW, (-- value))\n{\n    value = x;\n}")
        assert d.name == "LOAD_FAST_BORROW"
        assert d.body_line == 4

    def test_empty_stack_effect_forms(self):
        assert only("op(_NOP, (--)) { }").stack.inputs == ()
        assert [o.name for o in only("op(_A, ( -- value)) { }").stack.outputs] == ["value"]
        assert [i.name for i in only("op(_B, (value --)) { }").stack.inputs] == ["value"]

    def test_cache_entries_are_split_from_inputs(self):
        d = only("op(_X, (counter/1, type_version/2, owner -- attr)) { }")
        assert d.stack.caches == (CacheEntry("counter", 1), CacheEntry("type_version", 2))
        assert [i.name for i in d.stack.inputs] == ["owner"]

    def test_arrays_conditionals_and_types(self):
        d = only(
            "op(_Y, (callable, self_or_null[oparg & 1], args[oparg] -- "
            "new_frame: _PyInterpreterFrame *, null if (oparg & 1))) { }"
        )
        assert d.stack.inputs[1].size == "oparg & 1"
        assert d.stack.outputs[0].type == "_PyInterpreterFrame*"
        assert d.stack.outputs[1].condition == "oparg & 1"
        assert str(d.stack) == (
            "(callable, self_or_null[oparg & 1], args[oparg] -- new_frame: _PyInterpreterFrame*, null if (oparg & 1))"
        )

    def test_multiline_stack_effect(self):
        d = only("inst(SWAP, (bottom, unused[oparg-2], top --\n    bottom, unused[oparg-2], top)) { }")
        assert len(d.stack.outputs) == 3

    def test_braces_in_strings_comments_and_chars_do_not_end_the_body(self):
        parsed = parse("op(_Z, (--)) {\n  printf(\"}}{\"); /* } */ // }\n  char c = '}';\n}\nop(_W, (--)) { }")
        z, w = parsed.definitions
        assert (z.name, z.end_line, w.name, w.line) == ("_Z", 6, "_W", 7)
        assert "char c" in z.body

    def test_peeks_are_inputs_repeated_at_the_same_depth(self):
        d = only("op(_GUARD, (nos, unused -- nos, unused)) { }")
        assert d.stack.peeks() == frozenset({"nos"})


class TestOtherKinds:
    def test_macro_parts_with_caches_rewind_flush_and_comments(self):
        d = only(
            "macro(LOAD_GLOBAL_MODULE) =\n    _SPECIALIZE + // Skip over the counter\n"
            "    unused/1 + rewind/-4 + flush + _LOAD;"
        )
        assert isinstance(d, Macro)
        assert [(p.kind, p.name, p.size) for p in d.parts] == [
            ("uop", "_SPECIALIZE", None),
            ("cache", "unused", 1),
            ("cache", "rewind", -4),
            ("flush", "flush", None),
            ("uop", "_LOAD", None),
        ]
        assert (d.parts[0].line, d.parts[1].line, d.parts[1].column) == (4, 5, 5)

    def test_family_with_constant_size_and_trailing_comma(self):
        d = only("family(BINARY_OP, INLINE_CACHE_ENTRIES_BINARY_OP) = {\n    A,\n    B,\n};")
        assert isinstance(d, Family)
        assert (d.size, d.members, d.member_lines) == ("INLINE_CACHE_ENTRIES_BINARY_OP", ("A", "B"), (4, 5))

    def test_pseudo_forms_across_versions(self):
        old = only("pseudo(SETUP_FINALLY, (HAS_ARG)) = {\n    NOP, /* comment */\n};")
        new = only("pseudo(SETUP_WITH, (-- unused), (HAS_ARG)) = { NOP, };")
        seq = only("pseudo(JUMP_IF_FALSE, (cond -- cond)) = [\n    COPY, TO_BOOL, POP_JUMP_IF_FALSE,\n];")
        assert isinstance(old, Pseudo) and old.stack is None and old.flags == ("HAS_ARG",)
        assert new.stack is not None and new.flags == ("HAS_ARG",) and not new.sequence
        assert seq.sequence and seq.targets == ("COPY", "TO_BOOL", "POP_JUMP_IF_FALSE")

    def test_label_and_spilled_label(self):
        d = only("spilled label(exception_unwind) {\n    goto error;\n}")
        assert isinstance(d, Label) and d.annotations == ("spilled",) and d.end_line == 5


class TestMarkers:
    def test_marker_inside_a_comment_is_not_the_region_start(self):
        text = (
            "// The actual instruction definitions start at // BEGIN BYTECODES //.\n"
            "inst(OUTSIDE, (--)) { }\n// BEGIN BYTECODES //\nop(_IN, (--)) { }\n// END BYTECODES //\n"
        )
        parsed = parse_source(Source.from_text(text))
        assert [d.name for d in parsed.definitions] == ["_IN"]
        assert parsed.region == (3, 5)

    def test_missing_begin_marker(self):
        with pytest.raises(DSLSyntaxError) as info:
            parse_source(Source.from_text("int main(void) {}\n", name="x.c"))
        assert (info.value.line, info.value.column) == (1, 1)
        assert "BEGIN BYTECODES" in info.value.message

    def test_missing_end_marker(self):
        with pytest.raises(DSLSyntaxError) as info:
            parse_source(Source.from_text("\n// BEGIN BYTECODES //\nop(_A, (--)) {}\n", name="x.c"))
        assert info.value.line == 2 and "END BYTECODES" in info.value.message


class TestErrors:
    def test_missing_dashes_in_stack_effect(self):
        err = error_of("op(_A, (value)) { }")
        assert (err.line, err.column) == (3, 14)
        assert err.message == (
            "expected ',' or '--' in stack effect, found ')' (a stack effect reads '(inputs -- outputs)')"
        )

    def test_unclosed_body(self):
        err = error_of("op(_A, (--)) {\n  if (x) {\n")
        assert (err.line, err.column) == (3, 14)
        assert "no matching '}'" in err.message

    def test_unterminated_string_in_body(self):
        err = error_of('op(_A, (--)) {\n  printf("oops);\n}')
        assert (err.line, err.column) == (4, 10)
        assert "unterminated string" in err.message

    def test_macro_without_semicolon(self):
        err = error_of("macro(A) = _B + _C\nop(_D, (--)) { }")
        assert (err.line, err.column) == (4, 1)
        assert err.message == "expected '+' or ';' after '_C' in macro(A), found 'op'"

    def test_cache_entry_in_outputs(self):
        err = error_of("op(_A, (-- counter/1)) { }")
        assert (err.line, err.column) == (3, 12)
        assert "only allowed among the inputs" in err.message

    def test_bad_replicate_count(self):
        err = error_of("replicate(x) op(_A, (--)) { }")
        assert (err.line, err.column) == (3, 11)
        assert "expected a count in replicate(N)" in err.message

    def test_family_member_list_needs_names(self):
        err = error_of("family(A, 1) = { B, 3 };")
        assert (err.line, err.column) == (3, 21)
        assert "expected a specialization name" in err.message

    def test_pseudo_needs_targets(self):
        err = error_of("pseudo(A, (--)) = B;")
        assert (err.line, err.column) == (3, 19)
        assert "'{' or '['" in err.message

    def test_render_shows_line_and_caret(self):
        err = error_of("op(_A, (value)) { }")
        assert err.render().splitlines() == [
            "Python/bytecodes.c:3:14: expected ',' or '--' in stack effect, found ')' "
            "(a stack effect reads '(inputs -- outputs)')",
            "    op(_A, (value)) { }",
            "                 ^",
        ]

    def test_errors_survive_pickling(self):
        err = error_of("op(_A, (value)) { }")
        clone = pickle.loads(pickle.dumps(err))
        assert (clone.file, clone.line, clone.column, clone.render()) == (err.file, err.line, err.column, err.render())


class TestUnknownConstructs:
    def test_unknown_kind_is_a_warning_and_parsing_goes_on(self):
        parsed = parse("super(A) = B + C;\nfrobnicate(X, (--)) { int y; }\nop(_D, (--)) { }")
        assert [d.name for d in parsed.definitions] == ["_D"]
        messages = [(w.line, w.column, w.message) for w in parsed.warnings]
        assert messages[0][:2] == (3, 1) and "unknown definition kind 'super'" in messages[0][2]
        assert messages[1][:2] == (4, 1) and "'frobnicate'" in messages[1][2]

    def test_unknown_annotation_is_kept_with_a_warning(self):
        parsed = parse("shiny op(_D, (--)) { }")
        assert parsed.definitions[0].annotations == ("shiny",)
        assert parsed.warnings[0].message == "unknown annotation 'shiny' (kept, not interpreted)"

    def test_preprocessor_line_between_definitions_is_skipped(self):
        parsed = parse("#if 1\nop(_D, (--)) { }\n#endif")
        assert [d.name for d in parsed.definitions] == ["_D"]
        assert [w.line for w in parsed.warnings] == [3, 5]


class TestModelClasses:
    """The model's frozen dataclasses get a cheaper ``__init__`` (analyzer.model.direct_slot_init)
    that must behave as the one ``dataclass`` writes."""

    CLASSES = (CacheEntry, Family, InstDef, Label, Macro, MacroPart, Pseudo, StackEffect, StackItem)

    @pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
    def test_init_has_the_dataclass_signature(self, cls):
        # The same class, decorated by dataclass alone, gives the reference signature.
        reference = dataclasses.dataclass(frozen=True, slots=True)(
            type(cls.__name__, (), {"__annotations__": dict(cls.__annotations__), **_defaults(cls)})
        )
        ours = [(p.name, p.kind, p.default) for p in inspect.signature(cls).parameters.values()]
        theirs = [(p.name, p.kind, p.default) for p in inspect.signature(reference).parameters.values()]
        assert ours == theirs
        assert cls.__init__.__qualname__ == f"{cls.__name__}.__init__"

    def test_dataclass_behaviour_is_kept(self):
        item = StackItem("value", "oparg")
        effect = StackEffect((item,), (StackItem("res"),), (CacheEntry("counter", 1),))
        d = InstDef("op", "_A", ("pure",), effect, " x; ", "f.c", 1, 3, 1)
        assert d.code == "" and d._hash == 0 and effect._text is None
        assert [f.name for f in dataclasses.fields(d)][-2:] == ["code", "_hash"]
        assert d == InstDef("op", "_A", ("pure",), effect, " x; ", "f.c", 1, 3, 1, "")
        assert hash(d) == hash(dataclasses.replace(d))
        changed = dataclasses.replace(d, name="_B", code=" y; ")
        assert (changed.name, changed.code, changed.line) == ("_B", " y; ", 1)
        assert dataclasses.asdict(item) == {"name": "value", "size": "oparg", "condition": None, "type": None}
        assert repr(CacheEntry("counter", 1)) == "CacheEntry(name='counter', size=1)"
        assert pickle.loads(pickle.dumps(d)) == d
        with pytest.raises(dataclasses.FrozenInstanceError):
            d.name = "_C"  # type: ignore[misc]
        with pytest.raises(TypeError):
            InstDef("op", "_A")  # type: ignore[call-arg]
        with pytest.raises(TypeError):
            StackItem("a", bogus=1)  # type: ignore[call-arg]

    def test_a_subclass_instance_keeps_its_class(self):
        # InstDef's __init__ turns the instance into a twin class for the stores and back;
        # a subclass (with a __dict__, so another layout) is stored field by field instead.
        class Sub(InstDef):
            pass

        effect = StackEffect()
        sub = Sub("op", "_A", (), effect, "", "f.c", 1, 3, 1)
        plain = InstDef("op", "_A", (), effect, "", "f.c", 1, 3, 1)
        assert type(sub) is Sub and type(plain) is InstDef
        assert (sub.name, sub.code, sub._hash) == (plain.name, plain.code, plain._hash) == ("_A", "", 0)


def _defaults(cls):
    return {
        f.name: dataclasses.field(default=f.default, init=f.init, repr=f.repr, compare=f.compare)
        for f in dataclasses.fields(cls)
        if f.default is not dataclasses.MISSING
    }
