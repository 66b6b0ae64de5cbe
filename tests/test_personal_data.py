from datetime import date, timedelta

import pytest

from service.personal_data import (IdNumberCipher, PersonalDataError, mask_id_number, mask_phone,
                                   normalise_id_number, valid_id_number)

SECRET = "test-personal-data-key-0123456789abcdef"


def with_check_char(first17):
    """ISO 7064 MOD 11-2, written out independently of the module under test."""
    total = sum(int(digit) * (2 ** (17 - i) % 11) for i, digit in enumerate(first17))
    return first17 + "10X98765432"[total % 11]


def test_known_valid_example():
    # The worked example of GB 11643-1999.
    assert valid_id_number("11010519491231002X")


@pytest.mark.parametrize("first17", [
    "44140319900101123",   # 松源镇's district, born 1990-01-01
    "44140320000229004",   # leap day
    "44140319000101001",   # earliest accepted birth date
    "44140319851231567",
])
def test_computed_check_characters(first17):
    assert valid_id_number(with_check_char(first17))


def test_check_character_x_in_either_case():
    ids = [with_check_char(f"44140319900101{n:03d}") for n in range(200)]
    with_x = [i for i in ids if i.endswith("X")]
    assert with_x
    for number in with_x:
        assert valid_id_number(number)
        assert valid_id_number(number.lower())
        assert normalise_id_number(" " + number.lower() + " ") == number


def test_wrong_checksum():
    good = with_check_char("44140319900101123")
    for c in "0123456789X":
        if c != good[-1]:
            assert not valid_id_number(good[:-1] + c)
    # A transposition of two digits is caught too.
    assert not valid_id_number(good[:6] + good[7] + good[6] + good[8:])


@pytest.mark.parametrize("value", [
    "", "4414031990010112", "4414031990010112345", "441403900101123",  # lengths; 15-digit old ID
    "44140319900101123A", "4414031990X101123X", "４４１４０３１９９００１０１１２３４",
    None, 441403199001011234,
])
def test_wrong_shape(value):
    assert not valid_id_number(value)


@pytest.mark.parametrize("birth", ["19900230", "19901301", "19900100", "18991231", "00000000"])
def test_impossible_birth_dates(birth):
    assert not valid_id_number(with_check_char("441403" + birth + "123"))


def test_birth_date_in_the_future():
    tomorrow = (date.today() + timedelta(days=2)).strftime("%Y%m%d")
    assert not valid_id_number(with_check_char("441403" + tomorrow + "123"))


def test_masks():
    assert mask_id_number("441403199001011234") == "441403********1234"
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("07532345678") == "075****5678"
    assert mask_phone("23456789") == "23****89"     # local number: at least half hidden
    assert mask_phone("12345") == "1***5"
    assert mask_phone("110") == "***"
    assert mask_phone("") == ""
    assert mask_id_number(None) is None and mask_phone(None) is None


def test_encrypt_round_trip():
    cipher = IdNumberCipher(SECRET)
    number = with_check_char("44140319900101123")
    token = cipher.encrypt(number)
    assert number not in token
    assert cipher.decrypt(token) == number
    assert IdNumberCipher(SECRET).decrypt(token) == number   # same secret, new instance


def test_ciphertext_differs_but_blind_index_is_stable():
    cipher = IdNumberCipher(SECRET)
    number = "11010519491231002X"
    assert cipher.encrypt(number) != cipher.encrypt(number)
    index = cipher.blind_index(number)
    assert index == IdNumberCipher(SECRET).blind_index(number)
    assert index == cipher.blind_index(" 11010519491231002x")
    assert index != cipher.blind_index(with_check_char("44140319900101123"))
    assert index != IdNumberCipher(SECRET + "!").blind_index(number)
    assert len(index) == 64


def test_lowercase_x_is_stored_normalised():
    cipher = IdNumberCipher(SECRET)
    assert cipher.decrypt(cipher.encrypt("11010519491231002x")) == "11010519491231002X"


def test_wrong_key_or_damaged_token_fails_clearly():
    token = IdNumberCipher(SECRET).encrypt("11010519491231002X")
    with pytest.raises(PersonalDataError, match="wrong PERSONAL_DATA_KEY"):
        IdNumberCipher("another-secret-0123456789abcdefghij").decrypt(token)
    tampered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    with pytest.raises(PersonalDataError):
        IdNumberCipher(SECRET).decrypt(tampered)
    with pytest.raises(PersonalDataError):
        IdNumberCipher(SECRET).decrypt("not a token")


def test_a_secret_is_required():
    with pytest.raises(ValueError):
        IdNumberCipher("")
