"""Lead imports from CSV and Excel files, on the kernel's import machinery (crm.imports).

mapping   header synonyms to lead fields, and lead-source values to our sources
rows      one row checked against the lead's rules
dedupe    duplicates in the file, among leads and among contacts, one query each per chunk
chunks    one chunk's decisions and its set-based writes
importer  the lead's part of the kernel's import run;  running  the job kind
services  upload, preview, confirm with the lead's limits and options;  selectors, forms, views, urls
"""
