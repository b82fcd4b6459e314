"""Reading import files and checking their rows: what a user sees for each kind of file and cell."""

import io

import openpyxl
import pytest

from crm.imports.parsing import FileProblem, Row, read_table
from leads.importing.mapping import check_mapping, guess_mapping, source_value
from leads.importing.rows import LeadRowChecker
from leads.models import LeadSource

HEADERS = ("First Name", "Last Name", "Email Address", "Company Name", "Phone")


def _rows(data: bytes) -> list[Row]:
    return list(read_table(data).rows())


def _xlsx(*rows: list[object]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _check(*values: str, headers: tuple[str, ...] = HEADERS, line: int = 2):
    return LeadRowChecker(headers, guess_mapping(headers)).check(Row(line=line, values=values))


# Column mapping


def test_headers_exported_by_other_crms_map_to_lead_fields_automatically():
    mapping = guess_mapping(["First Name", "Last Name", "Email Address", "Company Name", "Lead Source"])

    assert mapping == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email Address": "email",
        "Company Name": "company",
        "Lead Source": "source",
    }


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("firstname", "first_name"),
        ("first_name", "first_name"),
        ("Given name", "first_name"),
        ("SURNAME", "last_name"),
        ("E-mail", "email"),
        ("Account Name", "company"),
        ("Organization", "company"),
        ("Job Title", "title"),
        ("Mobile", "phone"),
        ("No. of Employees", "employee_count"),
        ("Website", "website"),
        ("Industry", "industry"),
        ("Country", "country"),
        ("utm_source", "utm_source"),
        ("UTM Campaign", "utm_campaign"),
        ("Tags", "tags"),
        ("Full Name", "full_name"),
        ("Lead Status", ""),
    ],
)
def test_a_header_is_recognised_whatever_its_case_spaces_or_punctuation(header, field):
    assert guess_mapping([header]) == {header: field}


def test_a_phone_column_wins_over_a_mobile_column_for_the_phone_field():
    assert guess_mapping(["Mobile", "Phone"]) == {"Mobile": "", "Phone": "phone"}


def test_two_columns_cannot_fill_the_same_field():
    from crm.errors import Invalid

    with pytest.raises(Invalid, match='"Email" and "Work Email" both fill Email') as refused:
        check_mapping(["Email", "Work Email"], {"Email": "email", "Work Email": "email"})

    assert (refused.value.code, refused.value.field) == ("field_mapped_twice", "mapping")


def test_a_mapping_without_a_name_email_or_company_is_refused():
    from crm.errors import Invalid

    with pytest.raises(Invalid) as refused:
        check_mapping(["Phone"], {"Phone": "phone"})

    assert (refused.value.code, refused.value.field) == ("identity_unmapped", "mapping")


@pytest.mark.parametrize(
    ("value", "source"),
    [
        ("Web", LeadSource.WEB_FORM),
        ("Partner Referral", LeadSource.REFERRAL),
        ("Employee referral", LeadSource.REFERRAL),
        ("Trade Show", LeadSource.CAMPAIGN),
        ("Cold Call", LeadSource.MANUAL),
        ("Purchased List", LeadSource.IMPORT),
        ("web_form", LeadSource.WEB_FORM),
        ("Billboard", None),
    ],
)
def test_lead_source_values_from_other_crms_map_to_our_sources(value, source):
    assert source_value(value) == source


# Encodings and separators


def test_a_utf8_file_with_a_byte_order_mark_keeps_its_first_header_clean():
    table = read_table("\ufeffFirst Name,Email\nJosé,jose@example.com\n".encode())

    assert table.headers == ("First Name", "Email")
    assert _rows("\ufeffFirst Name,Email\nJosé,jose@example.com\n".encode())[0].values == (
        "José",
        "jose@example.com",
    )


def test_a_windows_1252_file_keeps_its_accents():
    rows = _rows("Name;Company\nFrançoise Müller;Café Ñandú – €\n".encode("cp1252"))

    assert rows == [Row(line=2, values=("Françoise Müller", "Café Ñandú – €"))]


def test_a_utf16_file_from_excel_is_read():
    rows = _rows("Name\tEmail\nZoë\tzoe@example.com\n".encode("utf-16"))

    assert rows[0].values == ("Zoë", "zoe@example.com")


def test_a_utf8_file_with_one_damaged_byte_is_refused_naming_its_line():
    data = "Name\nJosé\nRenée\n".encode() + b"Bad \xe9 byte\n"

    with pytest.raises(FileProblem, match="line 4 has a byte \\(0xE9\\) that is not valid UTF-8") as error:
        read_table(data)
    assert error.value.line == 4


def test_a_binary_file_is_refused():
    with pytest.raises(FileProblem, match="not a CSV text file"):
        read_table(b"Name\n\x00\x01\x02\x03")


def test_an_old_excel_file_is_refused_with_what_to_do():
    with pytest.raises(FileProblem, match=r"old Excel file \(.xls\)"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)


@pytest.mark.parametrize("separator", [",", ";", "\t", "|"])
def test_the_separator_is_detected(separator):
    text = (
        separator.join(HEADERS) + "\n" + separator.join(["Ann", "Lee", "ann@example.com", "Acme", "1"]) + "\n"
    )

    table = read_table(text.encode())

    assert table.headers == HEADERS
    assert next(table.rows()).values[2] == "ann@example.com"


# Structure


@pytest.mark.parametrize("data", [b"", b"   \n\n  \r\n"])
def test_an_empty_file_is_refused(data):
    with pytest.raises(FileProblem, match="The file is empty"):
        read_table(data)


def test_a_file_without_a_header_row_is_refused_naming_line_1():
    with pytest.raises(FileProblem, match='Line 1 looks like data, not column names \\("ann@example.com"'):
        read_table(b"Ann,Lee,ann@example.com\nBob,Ray,bob@example.com\n")


def test_a_header_naming_a_column_twice_is_refused():
    with pytest.raises(FileProblem, match='names the column "email" twice \\(columns 1 and 3\\)'):
        read_table(b"Email,Name,email\na@example.com,A,b@example.com\n")


def test_an_unclosed_quote_is_refused_naming_the_line_where_it_starts():
    data = b'Name,Company\nAnn,Acme\nBob,"Unclosed\nCarl,Initech\n'

    with pytest.raises(FileProblem, match="Line 3 cannot be read as CSV") as error:
        _rows(data)
    assert error.value.line == 3


def test_rows_keep_their_line_numbers_across_blank_lines_and_multi_line_values():
    data = b'Name,Notes\n\nAnn,"two\nlines"\nBob,x\n'

    assert [row.line for row in _rows(data)] == [3, 5]


def test_blank_header_cells_are_named_by_their_position():
    assert read_table(b"Name,,Email\nAnn,,a@example.com\n").headers == ("Name", "Column 2", "Email")


# Excel workbooks


def test_an_xlsx_workbook_is_read_from_its_first_sheet_with_excel_row_numbers():
    data = _xlsx(
        ["First Name", "Email", "Employees"], ["Ann", "ann@example.com", 250], [], ["Bob", None, 12.0]
    )

    table = read_table(data)

    assert table.headers == ("First Name", "Email", "Employees")
    assert list(table.rows()) == [
        Row(line=2, values=("Ann", "ann@example.com", "250")),
        Row(line=4, values=("Bob", "", "12")),
    ]


def test_a_damaged_workbook_is_refused():
    with pytest.raises(FileProblem, match="not a readable Excel workbook"):
        read_table(b"PK\x03\x04 this is not really a zip archive")


# Row checks


def test_a_good_row_gives_the_lead_fields():
    row = _check("Ann", "Lee", "Ann@Example.com", "Acme", "+49 (30) 123-4567")

    assert row.ok
    assert row.fields == {
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "Ann@Example.com",
        "company": "Acme",
        "phone": "+49 (30) 123-4567",
    }
    assert (row.email_key, row.phone_key) == ("ann@example.com", "49301234567")


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        (("Ann", "", "ann@", "", ""), "Email Address", '"ann@" is not a valid email address'),
        (("Ann", "", "", "", "12"), "Phone", '"12" is not a plausible phone number'),
        (("Ann", "", "", "", "call me"), "Phone", "7 to 15 digits"),
        (("Ann", "", "", "", "1234567890123456"), "Phone", "not a plausible phone number"),
        (("", "", "", "", "5550102030"), "", "No name, email address or company"),
        (("A" * 101, "", "", "", ""), "First Name", "Longer than 100 characters"),
    ],
)
def test_a_bad_cell_is_reported_with_its_column_and_reason(values, column, message):
    row = _check(*values)

    assert not row.ok
    assert [problem.column for problem in row.problems] == [column]
    assert message in row.problems[0].message


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        ("Employees", "51-200", '"51-200" is not a whole number of employees'),
        ("Lead Source", "Billboard", '"Billboard" is not a lead source we know; use one of: Manual entry'),
        ("Website", "not a site", "is not a web address"),
    ],
)
def test_employees_source_and_website_are_checked(header, value, message):
    row = _check("Acme", value, headers=("Company", header))

    assert [(problem.column, message in problem.message) for problem in row.problems] == [(header, True)]


def test_employee_counts_with_thousands_separators_are_numbers():
    assert _check("Acme", "1,200", headers=("Company", "Employees")).fields["employee_count"] == 1200


def test_formula_looking_text_is_kept_as_the_file_gives_it():
    row = _check("=cmd()", "@SUM(A1)", "", "+Acme", "", headers=HEADERS)

    assert row.ok
    assert (row.fields["first_name"], row.fields["last_name"], row.fields["company"]) == (
        "=cmd()",
        "@SUM(A1)",
        "+Acme",
    )


def test_the_apostrophe_a_spreadsheet_safe_file_puts_before_formula_text_is_read_back_without_it():
    row = _check("'=cmd()", "'-Lee", "", "'Acme", "", headers=HEADERS)

    assert (row.fields["first_name"], row.fields["last_name"], row.fields["company"]) == (
        "=cmd()",
        "-Lee",
        "'Acme",  # an apostrophe before ordinary text is the company's own
    )


def test_a_formula_in_the_email_column_fails_the_email_check():
    row = _check("Ann", "", "=HYPERLINK(1)@example.com", "", "")

    assert [problem.column for problem in row.problems] == ["Email Address"]


def test_a_ragged_row_is_reported_with_the_number_of_values():
    row = _check("Ann", "Lee", "ann@example.com", line=7)

    assert not row.ok
    assert row.line == 7
    assert "The row has 3 values but the header has 5 columns" in row.problems[0].message


def test_a_separator_after_the_last_value_is_harmless():
    assert _check("Ann", "Lee", "ann@example.com", "Acme", "", "", "").ok


def test_a_full_name_column_is_split_into_first_and_last_name():
    row = _check("Anna Maria Schmidt", "anna@example.com", headers=("Name", "Email"))

    assert (row.fields["first_name"], row.fields["last_name"]) == ("Anna Maria", "Schmidt")


def test_tags_are_split_and_deduplicated():
    row = _check("Acme", "vip, Trade show 2024; vip", headers=("Company", "Tags"))

    assert row.fields["tags"] == ["vip", "Trade show 2024"]
