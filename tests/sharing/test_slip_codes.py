"""Printed one-time codes as people type them: the alphabet has no look-alikes, any case
and separators are forgiven, and the check character catches every single mistyped
character and every swap of two neighbours."""

from __future__ import annotations

from polls.sharing import codes


def test_a_new_code_is_eight_characters_of_the_alphabet_and_checks() -> None:
    drawn = {codes.new_slip_code() for _ in range(2000)}
    assert len(drawn) == 2000  # random, not a sequence
    for code in drawn:
        assert len(code) == codes.SLIP_LENGTH == 8
        assert set(code) <= set(codes.ALPHABET)
        assert codes.normalize_slip_code(code) == code
    assert not set("01OIL") & set(codes.ALPHABET)


def test_case_spaces_and_the_printed_dash_are_forgiven() -> None:
    code = codes.new_slip_code()
    printed = codes.printed_slip_code(code)
    assert printed == f"{code[:4]}-{code[4:]}"
    for typed in (printed, printed.lower(), f"  {code[:4]} {code[4:]} ", code.lower()):
        assert codes.normalize_slip_code(typed) == code


def test_every_single_typo_and_every_swap_of_neighbours_is_caught() -> None:
    for _ in range(300):
        code = codes.new_slip_code()
        for i in range(len(code)):
            for other in codes.ALPHABET:
                if other != code[i]:
                    assert codes.normalize_slip_code(code[:i] + other + code[i + 1 :]) is None
        for i in range(len(code) - 1):
            if code[i] != code[i + 1]:
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
                assert codes.normalize_slip_code(swapped) is None


def test_what_cannot_be_a_code_is_refused() -> None:
    code = codes.new_slip_code()
    for typed in ("", code[:7], code + "2", code[:7] + "0", "ABCD-EFG!", "ＡＢＣＤ" + code[4:]):
        assert codes.normalize_slip_code(typed) is None
