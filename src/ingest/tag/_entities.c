/* The per-story loops of the entity tagger in C: the catalogue matcher's per-match work
 * (ingest.tag.catalogue.Catalogue.find), the main loop of ingest.tag.find.Finder.scan, and the
 * entity list of ingest.tag.link._entities (with _merge and _add_methods).
 *
 * The Python code stays the reference and the fallback: every function here mirrors one there
 * (named in its comment), step by step, and calls back into Python for the rare paths
 * (Finder._follow, Finder._read_run, the plan of a run met for the first time, link._add for
 * dateline mentions). The output must equal the Python's byte for byte
 * (tests/test_tag_entities_compiled.py compares both).
 *
 * Thread safety: the objects here hold only what their constructor is given; each call keeps
 * its per-story state in locals and buffers it allocates itself.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <string.h>

/* ------------------------------------------------------------------ shared names */

static PyObject *s_field, *s_paragraph, *s_start, *s_end, *s_text, *s_type, *s_id, *s_name,
    *s_country, *s_aliases, *s_surface_forms, *s_mentions, *s_spans, *s_salience, *s_confidence,
    *s_evidence, *s_headline, *s_lead, *s_body, *s_dateline, *s_person, *s_demonym,
    *s_catalogue_alias, *s_read_run, *s_lones, *s_washington, *s_space, *s_kind, *s_short,
    *s_place, *s_organization, *s_role_preposition, *s_said_cue, *s_appositive, *s_title_cue, *s_given_name,
    *s_reuters, *s_the, *s_according, *s_to, *s_lower, *s_strip, *s_rstrip, *s_match, *s_comma, *s_isupper,
    *s_title, *s_and, *s_name_coreference, *s_surname_coreference, *s_short_name_coreference, *s_before, *s_methods,
    *s_entry;
static PyObject *empty_str, *empty_tuple, *zero, *one;

/* The slots of ingest.tag.find.Mention, in the order of its fields (its __match_args__). */
enum {
    M_FIELD,
    M_PARAGRAPH,
    M_START,
    M_END,
    M_TEXT,
    M_TYPE,
    M_ID,
    M_NAME,
    M_COUNTRY,
    M_METHODS,
    M_ENTRY,
    M_CANDIDATES,
    M_SRC,
    M_COUNT
};
static const char *const mention_fields[M_COUNT] = {
    "field", "paragraph", "start", "end", "text", "type", "id",
    "name", "country", "methods", "entry", "candidates", "src",
};

/* Where a Mention keeps each field. Mention is a slots dataclass with no __post_init__: its
 * __init__ only stores each argument in its slot, so a Mention allocated by its type and given
 * every slot here is the object `Mention(...)` makes (at a tenth of the cost: no Python frame). */
typedef struct {
    PyTypeObject *type;
    Py_ssize_t offset[M_COUNT];
} Layout;

static int
layout_init(Layout *l, PyObject *type)
{
    if (!PyType_Check(type)) {
        PyErr_SetString(PyExc_TypeError, "mention must be the Mention class");
        return -1;
    }
    PyTypeObject *t = (PyTypeObject *)type;
    if (t->tp_dictoffset != 0) {
        PyErr_SetString(PyExc_TypeError, "Mention must be a slots class");
        return -1;
    }
    PyObject *args = PyObject_GetAttrString(type, "__match_args__");
    if (args == NULL) {
        return -1;
    }
    int ok = PyTuple_Check(args) && PyTuple_GET_SIZE(args) == M_COUNT;
    for (Py_ssize_t i = 0; ok && i < M_COUNT; i++) {
        PyObject *name = PyTuple_GET_ITEM(args, i);
        ok = PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, mention_fields[i]) == 0;
    }
    Py_DECREF(args);
    if (!ok) {
        PyErr_SetString(PyExc_TypeError, "Mention's fields are not those _entities.c knows");
        return -1;
    }
    for (Py_ssize_t i = 0; i < M_COUNT; i++) {
        PyObject *d = PyObject_GetAttrString(type, mention_fields[i]);
        if (d == NULL) {
            return -1;
        }
        if (!Py_IS_TYPE(d, &PyMemberDescr_Type) || ((PyMemberDescrObject *)d)->d_member->type != T_OBJECT_EX) {
            Py_DECREF(d);
            PyErr_Format(PyExc_TypeError, "Mention.%s is not a slot", mention_fields[i]);
            return -1;
        }
        l->offset[i] = ((PyMemberDescrObject *)d)->d_member->offset;
        Py_DECREF(d);
    }
    Py_INCREF(type);
    l->type = t;
    return 0;
}

#define SLOT(o, off) (*(PyObject **)((char *)(o) + (off)))

/* A Mention of the 13 values (borrowed, but `methods`, which is stolen); NULL on error. */
static PyObject *
new_mention(const Layout *l, PyObject *const values[M_COUNT])
{
    PyObject *m = l->type->tp_alloc(l->type, 0);
    if (m == NULL) {
        Py_DECREF(values[M_METHODS]);
        return NULL;
    }
    for (int i = 0; i < M_COUNT; i++) {
        PyObject *v = values[i];
        if (i != M_METHODS) {
            Py_INCREF(v);
        }
        SLOT(m, l->offset[i]) = v;
    }
    return m;
}

/* A new reference to m.<field> (the slot itself for a Mention, else the attribute). */
static PyObject *
mget(const Layout *l, PyObject *m, int field)
{
    if (Py_IS_TYPE(m, l->type)) {
        PyObject *v = SLOT(m, l->offset[field]);
        if (v != NULL) {
            return Py_NewRef(v);
        }
    }
    return PyObject_GetAttrString(m, mention_fields[field]);
}

/* m.<field> as a C integer (-1 with an exception set on error). */
static Py_ssize_t
mget_index(const Layout *l, PyObject *m, int field)
{
    PyObject *v = mget(l, m, field);
    if (v == NULL) {
        return -1;
    }
    Py_ssize_t n = PyNumber_AsSsize_t(v, PyExc_OverflowError);
    Py_DECREF(v);
    return n;
}

/* `tuple.__new__(cls, items)` for a named tuple class (Hit, Lone): `items` are stolen. */
static PyObject *
new_named(PyTypeObject *cls, Py_ssize_t n, PyObject **items)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        if (items[i] == NULL) {
            for (Py_ssize_t j = 0; j < n; j++) {
                Py_XDECREF(items[j]);
            }
            return NULL;
        }
    }
    PyObject *t = cls->tp_alloc(cls, n);
    if (t == NULL) {
        for (Py_ssize_t j = 0; j < n; j++) {
            Py_DECREF(items[j]);
        }
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyTuple_SET_ITEM(t, i, items[i]);
    }
    return t;
}

static int
check_named(PyObject *cls, const char *what)
{
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, &PyTuple_Type)) {
        PyErr_Format(PyExc_TypeError, "%s must be a tuple class", what);
        return -1;
    }
    return 0;
}

/* list[i] as a C integer, for lists of ints the Python side built. */
static int
index_list(PyObject *list, const char *what, Py_ssize_t **out, Py_ssize_t *n)
{
    if (!PyList_Check(list)) {
        PyErr_Format(PyExc_TypeError, "%s must be a list", what);
        return -1;
    }
    *n = PyList_GET_SIZE(list);
    *out = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(*n ? *n : 1));
    if (*out == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < *n; i++) {
        Py_ssize_t v = PyNumber_AsSsize_t(PyList_GET_ITEM(list, i), PyExc_OverflowError);
        if (v == -1 && PyErr_Occurred()) {
            PyMem_Free(*out);
            *out = NULL;
            return -1;
        }
        (*out)[i] = v;
    }
    return 0;
}

/* obj.append(item) */
static int
append(PyObject *obj, PyObject *item)
{
    if (PyList_CheckExact(obj)) {
        return PyList_Append(obj, item);
    }
    PyObject *res = PyObject_CallMethod(obj, "append", "O", item);
    Py_XDECREF(res);
    return res ? 0 : -1;
}

static int
append_new(PyObject *list, PyObject *item)
{
    if (item == NULL) {
        return -1;
    }
    int r = PyList_Append(list, item);
    Py_DECREF(item);
    return r;
}

/* ------------------------------------------------------------------ Scanner */

/* A short ASCII word of the run pattern (a particle, an abbreviation, a prefix). */
typedef struct {
    char s[8];
    Py_ssize_t n;
} Word;

enum { MAX_WORDS = 64 };

typedef struct {
    Word w[MAX_WORDS];
    int n;
} Words;

typedef struct {
    PyObject_HEAD
    Layout ml;
    PyTypeObject *hit, *lone;
    PyObject *plans, *run_plan, *lone_plan, *mention_code, *common, *title_words, *org_suffix;
    Words particles, abbreviations, prefixes;
    /* what Finder._follow reads: the plan codes, cue tables and patterns, the catalogue's given
     * names, and the Python functions it calls */
    PyObject *fixed_code, *titled_code, *role_set, *role_at_set, *employer_prepositions, *said_set,
        *org_head_set, *said_it, *appositive, *said_after, *person_act_after, *given_names,
        *appositive_is_org, *local_id;
    /* what _merge_runs reads: the connectors, their lengths, the heads taking "of"/"for" */
    PyObject *connectors, *org_head_of;
    Py_ssize_t connector_lengths[8];
    int n_connector_lengths;
} Scanner;

static int
words_init(Words *w, PyObject *iterable, const char *what)
{
    PyObject *seq = PySequence_Fast(iterable, what);
    if (seq == NULL) {
        return -1;
    }
    w->n = 0;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(seq, i);
        const char *s = PyUnicode_Check(o) ? PyUnicode_AsUTF8AndSize(o, &w->w[w->n].n) : NULL;
        if (s == NULL || w->n >= MAX_WORDS || w->w[w->n].n < 1 || w->w[w->n].n >= 8
            || !PyUnicode_IS_ASCII(o)) {
            Py_DECREF(seq);
            if (!PyErr_Occurred()) {
                PyErr_Format(PyExc_ValueError, "%s: up to %d ASCII words of 1 to 7 letters", what, MAX_WORDS);
            }
            return -1;
        }
        memcpy(w->w[w->n].s, s, (size_t)w->w[w->n].n);
        w->n++;
    }
    Py_DECREF(seq);
    return 0;
}

/* text[start:end] is one of `w` (the text read as code points) */
static int
is_word(const Words *w, int kind, const void *data, Py_ssize_t start, Py_ssize_t end)
{
    for (int i = 0; i < w->n; i++) {
        if (w->w[i].n != end - start) {
            continue;
        }
        Py_ssize_t j = 0;
        while (j < w->w[i].n && PyUnicode_READ(kind, data, start + j) == (Py_UCS4)(unsigned char)w->w[i].s[j]) {
            j++;
        }
        if (j == w->w[i].n) {
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ find.RUN_RE */

/* The capitalised runs of find.RUN_RE, which matches exactly what its plain form matches:
 *   (?=[A-Z\u00C0-\u00DE])(?<![\w'\u2019\-.]){ELEMENT}(?:(?: {PARTICLE})* {ELEMENT}| & {ELEMENT})*
 * Nothing follows the repetition, so sre never backtracks into an element once it matched: each
 * element is the first alternative that matches, each repeated group the first branch that does,
 * and the run ends where neither does. \w is sre's: str.isalnum() or "_". */
typedef struct {
    int kind;
    const void *data;
    Py_ssize_t n;
    const Scanner *s;
} Runs;

#define AT(r, i) PyUnicode_READ((r)->kind, (r)->data, (i))

static int
run_word_char(Py_UCS4 ch)
{
    /* ASCII by CPython's table: the same answer as str.isalnum() there, without its four calls */
    return ch < 128 ? Py_ISALNUM(ch) || ch == '_' : Py_UNICODE_ISALNUM(ch);
}

static int
run_capital(Py_UCS4 ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 0xC0 && ch <= 0xDE);
}

/* WORD after its capital at i - 1: \w*(?:[-'\u2019](?!s\b)\w+)*\+? */
static Py_ssize_t
run_word_rest(const Runs *r, Py_ssize_t i)
{
    while (i < r->n && run_word_char(AT(r, i))) {
        i++;
    }
    while (i < r->n) {
        Py_UCS4 ch = AT(r, i);
        if (ch != '-' && ch != '\'' && ch != 0x2019) {
            break;
        }
        Py_ssize_t k = i + 1;
        if (k < r->n && AT(r, k) == 's' && (k + 1 == r->n || !run_word_char(AT(r, k + 1)))) {
            break; /* a possessive "'s" */
        }
        if (k >= r->n || !run_word_char(AT(r, k))) {
            break;
        }
        i = k + 1;
        while (i < r->n && run_word_char(AT(r, i))) {
            i++;
        }
    }
    if (i < r->n && AT(r, i) == '+') {
        i++;
    }
    return i;
}

/* ELEMENT at q: ABBREV | WORD | (?:al|el|bin|ben|ibn)-WORD; its end, or -1 */
static Py_ssize_t
run_element(const Runs *r, Py_ssize_t q)
{
    if (q >= r->n) {
        return -1;
    }
    Py_UCS4 c = AT(r, q);
    if (c >= 'A' && c <= 'Z') {
        /* [A-Z]\.(?:[A-Z]\.)* */
        if (q + 1 < r->n && AT(r, q + 1) == '.') {
            Py_ssize_t e = q + 2;
            while (e + 1 < r->n && AT(r, e) >= 'A' && AT(r, e) <= 'Z' && AT(r, e + 1) == '.') {
                e += 2;
            }
            return e;
        }
        /* (?=[A-Z][a-z]{1,3}+\.)(?:Corp|Inc|...)\. */
        Py_ssize_t j = q + 1;
        while (j < r->n && j - q <= 3 && AT(r, j) >= 'a' && AT(r, j) <= 'z') {
            j++;
        }
        if (j - q >= 2 && j < r->n && AT(r, j) == '.' && is_word(&r->s->abbreviations, r->kind, r->data, q, j)) {
            return j + 1;
        }
    }
    if (run_capital(c)) {
        return run_word_rest(r, q + 1);
    }
    for (int i = 0; i < r->s->prefixes.n; i++) {
        Py_ssize_t dash = q + r->s->prefixes.w[i].n;
        if (dash + 1 < r->n && AT(r, dash) == '-' && run_capital(AT(r, dash + 1))
            && is_word(&r->s->prefixes, r->kind, r->data, q, dash)) {
            return run_word_rest(r, dash + 2);
        }
    }
    return -1;
}

/* One more element after the run's end e: (?: {PARTICLE})* {ELEMENT} or " & " {ELEMENT}; the
 * new end, or -1. A particle is a whole word up to a space (its letters are [a-z] and a space
 * must follow it); the element is tried after all the particles, and giving one back never
 * helps (an element starts with a capital or with "al-"-like prefixes, never a particle and a
 * space). */
static Py_ssize_t
run_next(const Runs *r, Py_ssize_t e)
{
    if (e >= r->n || AT(r, e) != ' ') {
        return -1;
    }
    Py_ssize_t q = e;
    for (;;) {
        Py_ssize_t t = q + 1;
        while (t < r->n && AT(r, t) >= 'a' && AT(r, t) <= 'z') {
            t++;
        }
        if (t < r->n && AT(r, t) == ' ' && is_word(&r->s->particles, r->kind, r->data, q + 1, t)) {
            q = t;
            continue;
        }
        break;
    }
    Py_ssize_t end = run_element(r, q + 1);
    if (end >= 0) {
        return end;
    }
    if (e + 2 < r->n && AT(r, e + 1) == '&' && AT(r, e + 2) == ' ') {
        return run_element(r, e + 3);
    }
    return -1;
}

/* [m.start() for m in RUN_RE.finditer(text)] and [m.end() ...], as two lists */
static PyObject *
Scanner_runs(Scanner *self, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "runs: text must be a str");
        return NULL;
    }
    Runs r = {PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text), self};
    PyObject *starts = PyList_New(0), *ends = PyList_New(0);
    if (starts == NULL || ends == NULL) {
        goto fail;
    }
    Py_ssize_t p = 0;
    while (p < r.n) {
        Py_UCS4 c = AT(&r, p);
        if (!run_capital(c)) {
            p++;
            continue;
        }
        if (p > 0) {
            Py_UCS4 b = AT(&r, p - 1);
            if (run_word_char(b) || b == '\'' || b == 0x2019 || b == '-' || b == '.') {
                p++;
                continue;
            }
        }
        Py_ssize_t e = run_element(&r, p), next;
        while ((next = run_next(&r, e)) >= 0) {
            e = next;
        }
        if (append_new(starts, PyLong_FromSsize_t(p)) < 0 || append_new(ends, PyLong_FromSsize_t(e)) < 0) {
            goto fail;
        }
        p = e;
    }
    PyObject *pair = PyTuple_Pack(2, starts, ends);
    Py_DECREF(starts);
    Py_DECREF(ends);
    return pair;
fail:
    Py_XDECREF(starts);
    Py_XDECREF(ends);
    return NULL;
}

/* Catalogue.find: leftmost-longest catalogue hits in `text` that start and end on word
 * boundaries, from the automaton's iter_long over it (`matches`). */
static PyObject *
Scanner_find(Scanner *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError,
                        "find(matches, text, lengths, cache, targets, entry, placeholders, demonyms_from)");
        return NULL;
    }
    PyObject *matches = args[0], *text = args[1], *lengths = args[2], *cache = args[3],
             *targets = args[4], *entry = args[5];
    if (!PyUnicode_Check(text) || !PyList_Check(lengths) || !PyList_Check(cache) || !PyList_Check(targets)) {
        PyErr_SetString(PyExc_TypeError, "find: text must be a str, lengths, cache and targets lists");
        return NULL;
    }
    Py_ssize_t placeholders = PyNumber_AsSsize_t(args[6], PyExc_OverflowError);
    if (placeholders == -1 && PyErr_Occurred()) {
        return NULL;
    }
    Py_ssize_t demonyms_from = PyNumber_AsSsize_t(args[7], PyExc_OverflowError);
    if (demonyms_from == -1 && PyErr_Occurred()) {
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *hits = PyList_New(0);
    PyObject *it = hits ? PyObject_GetIter(matches) : NULL;
    if (it == NULL) {
        Py_XDECREF(hits);
        return NULL;
    }
    PyObject *item;
    while ((item = PyIter_Next(it)) != NULL) {
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
            Py_DECREF(item);
            PyErr_SetString(PyExc_TypeError, "find: matches must be (end index, value) pairs");
            goto fail;
        }
        Py_ssize_t end_index = PyNumber_AsSsize_t(PyTuple_GET_ITEM(item, 0), PyExc_OverflowError);
        Py_ssize_t value = end_index == -1 && PyErr_Occurred()
                               ? -1
                               : PyNumber_AsSsize_t(PyTuple_GET_ITEM(item, 1), PyExc_OverflowError);
        Py_DECREF(item);
        if (value == -1 && PyErr_Occurred()) {
            goto fail;
        }
        if (value >= placeholders) {
            continue;
        }
        if (value < 0 || value >= PyList_GET_SIZE(lengths) || value >= PyList_GET_SIZE(cache)
            || value >= PyList_GET_SIZE(targets)) {
            PyErr_SetString(PyExc_IndexError, "find: match value out of the catalogue");
            goto fail;
        }
        Py_ssize_t end = end_index + 1;
        Py_ssize_t length = PyNumber_AsSsize_t(PyList_GET_ITEM(lengths, value), PyExc_OverflowError);
        if (length == -1 && PyErr_Occurred()) {
            goto fail;
        }
        Py_ssize_t start = end - length;
        if (start < 0 || end > n) {
            PyErr_SetString(PyExc_IndexError, "find: match outside the text");
            goto fail;
        }
        if (start > 0) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, start - 1);
            if (run_word_char(ch)) { /* str.isalnum() or "_" */
                continue;
            }
        }
        if (end < n) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, end);
            if (ch == '_' ? 0 : run_word_char(ch)) { /* str.isalnum() */
                continue;
            }
            /* _abbrev_dot: a dot followed by a lower-case letter continues the word ("Amazon.com") */
            if (ch == '.' && end + 1 < n) {
                Py_UCS4 next = PyUnicode_READ(kind, data, end + 1);
                if (Py_UNICODE_ISALPHA(next) && !Py_UNICODE_ISUPPER(next)) {
                    continue;
                }
            }
        }
        PyObject *candidates = PyList_GET_ITEM(cache, value);
        if (candidates == Py_None) {
            /* tuple(map(self.entry, self.targets[value])) */
            PyObject *indexes = PySequence_Fast(PyList_GET_ITEM(targets, value), "targets must be lists");
            if (indexes == NULL) {
                goto fail;
            }
            Py_ssize_t count = PySequence_Fast_GET_SIZE(indexes);
            candidates = PyTuple_New(count);
            for (Py_ssize_t i = 0; candidates != NULL && i < count; i++) {
                PyObject *e = PyObject_CallOneArg(entry, PySequence_Fast_GET_ITEM(indexes, i));
                if (e == NULL) {
                    Py_CLEAR(candidates);
                    break;
                }
                PyTuple_SET_ITEM(candidates, i, e);
            }
            Py_DECREF(indexes);
            if (candidates == NULL || PyList_SetItem(cache, value, Py_NewRef(candidates)) < 0) {
                Py_XDECREF(candidates);
                goto fail;
            }
        }
        else {
            Py_INCREF(candidates);
        }
        PyObject *items[5] = {
            PyLong_FromSsize_t(start),
            PyLong_FromSsize_t(end),
            PyUnicode_Substring(text, start, end),
            candidates,
            Py_NewRef(value >= demonyms_from ? Py_True : Py_False),
        };
        PyObject *hit = new_named(self->hit, 5, items);
        if (hit == NULL || PyList_Append(hits, hit) < 0) {
            Py_XDECREF(hit);
            goto fail;
        }
        Py_DECREF(hit);
    }
    if (PyErr_Occurred()) {
        goto fail;
    }
    Py_DECREF(it);
    return hits;
fail:
    Py_DECREF(it);
    Py_DECREF(hits);
    return NULL;
}

/* find._entry_mention: the mention of a catalogue hit, read as its first candidate. */
static PyObject *
entry_mention(Scanner *self, PyObject *field, PyObject *paragraph, PyObject *hit, PyObject *src)
{
    if (!PyTuple_Check(hit) || PyTuple_GET_SIZE(hit) < 5) {
        PyErr_SetString(PyExc_TypeError, "a hit must be a Hit");
        return NULL;
    }
    PyObject *candidates = PyTuple_GET_ITEM(hit, 3);
    PyObject *entry = PySequence_GetItem(candidates, 0);
    if (entry == NULL) {
        return NULL;
    }
    PyObject *type = PyObject_GetAttr(entry, s_type);
    PyObject *id = type ? PyObject_GetAttr(entry, s_id) : NULL;
    PyObject *name = id ? PyObject_GetAttr(entry, s_name) : NULL;
    PyObject *country = name ? PyObject_GetAttr(entry, s_country) : NULL;
    int demonym = country ? PyObject_IsTrue(PyTuple_GET_ITEM(hit, 4)) : -1;
    PyObject *methods = demonym >= 0 ? PyList_New(1) : NULL;
    PyObject *m = NULL;
    if (methods != NULL) {
        PyList_SET_ITEM(methods, 0, Py_NewRef(demonym ? s_demonym : s_catalogue_alias));
        PyObject *values[M_COUNT] = {
            field, paragraph, PyTuple_GET_ITEM(hit, 0), PyTuple_GET_ITEM(hit, 1), PyTuple_GET_ITEM(hit, 2),
            type,  id,        name,                     country,                  methods,
            entry, candidates, src,
        };
        m = new_mention(&self->ml, values);
    }
    Py_DECREF(entry);
    Py_XDECREF(type);
    Py_XDECREF(id);
    Py_XDECREF(name);
    Py_XDECREF(country);
    return m;
}

/* ------------------------------------------------------------------ Finder._follow */

/* The per-story context of one scan, as Finder._follow and Finder._unknown read it. */
typedef struct {
    Scanner *s;
    PyObject *text, *field, *paragraph, *lones, *mentions;
} Story;

/* x.<method>() for a str method without arguments (lower) */
static PyObject *
call0(PyObject *x, PyObject *method)
{
    return PyObject_CallMethodNoArgs(x, method);
}

/* Finder._unknown: a mention of an entity found by a cue, under a `local:` id (none for the
 * provider's name). `methods` is a new list (stolen). */
static int
unknown(const Story *st, Py_ssize_t start, Py_ssize_t end, PyObject *methods, PyObject *kind)
{
    PyObject *surface = PyUnicode_Substring(st->text, start, end);
    if (surface == NULL) {
        Py_DECREF(methods);
        return -1;
    }
    /* every provider name contains "Reuters": the provider is never a subject */
    int r = PyUnicode_Contains(surface, s_reuters);
    if (r != 0) {
        Py_DECREF(surface);
        Py_DECREF(methods);
        return r < 0 ? -1 : 0;
    }
    PyObject *id = PyObject_CallFunctionObjArgs(st->s->local_id, kind, surface, NULL);
    PyObject *s = id ? PyLong_FromSsize_t(start) : NULL;
    PyObject *e = s ? PyLong_FromSsize_t(end) : NULL;
    if (e == NULL) {
        Py_XDECREF(id);
        Py_XDECREF(s);
        Py_DECREF(surface);
        Py_DECREF(methods);
        return -1;
    }
    PyObject *values[M_COUNT] = {
        st->field, st->paragraph, s,       e,       surface,     kind,      id,
        surface,   Py_None,       methods, Py_None, empty_tuple, empty_str,
    };
    r = append_new(st->mentions, new_mention(&st->s->ml, values));
    Py_DECREF(id);
    Py_DECREF(s);
    Py_DECREF(e);
    Py_DECREF(surface);
    return r;
}

/* [method] */
static PyObject *
one_method(PyObject *method)
{
    PyObject *l = PyList_New(1);
    if (l != NULL) {
        PyList_SET_ITEM(l, 0, Py_NewRef(method));
    }
    return l;
}

static int
unknown1(const Story *st, Py_ssize_t start, Py_ssize_t end, PyObject *method, PyObject *kind)
{
    PyObject *methods = one_method(method);
    return methods ? unknown(st, start, end, methods, kind) : -1;
}

/* Finder._act: the mentions and lone words of a plan's actions */
static int
act(const Story *st, Py_ssize_t run_start, PyObject *actions)
{
    PyObject *seq = PySequence_Fast(actions, "a plan's actions must be a tuple");
    if (seq == NULL) {
        return -1;
    }
    int r = 0;
    for (Py_ssize_t i = 0; r == 0 && i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *action = PySequence_Fast_GET_ITEM(seq, i);
        Py_ssize_t n = PyTuple_Check(action) ? PyTuple_GET_SIZE(action) : -1;
        if (n != 6 && n != 3) {
            PyErr_SetString(PyExc_ValueError, "an action has 6 or 3 items");
            r = -1;
            break;
        }
        Py_ssize_t start = PyNumber_AsSsize_t(PyTuple_GET_ITEM(action, 0), PyExc_OverflowError);
        Py_ssize_t end = start == -1 && PyErr_Occurred()
                             ? -1
                             : PyNumber_AsSsize_t(PyTuple_GET_ITEM(action, 1), PyExc_OverflowError);
        if (end == -1 && PyErr_Occurred()) {
            r = -1;
            break;
        }
        PyObject *so = PyLong_FromSsize_t(run_start + start);
        PyObject *eo = so ? PyLong_FromSsize_t(run_start + end) : NULL;
        if (eo == NULL) {
            Py_XDECREF(so);
            r = -1;
            break;
        }
        if (n == 6) {
            /* (start, end, surface, kind, id, methods) */
            PyObject *methods = PySequence_List(PyTuple_GET_ITEM(action, 5));
            if (methods == NULL) {
                r = -1;
            }
            else {
                PyObject *surface = PyTuple_GET_ITEM(action, 2);
                PyObject *values[M_COUNT] = {
                    st->field, st->paragraph, so,      eo,      surface,     PyTuple_GET_ITEM(action, 3),
                    PyTuple_GET_ITEM(action, 4), surface, Py_None, methods, Py_None, empty_tuple, empty_str,
                };
                r = append_new(st->mentions, new_mention(&st->s->ml, values));
            }
        }
        else {
            /* (start, end, word): a lone word */
            PyObject *items[5] = {Py_NewRef(st->field), Py_NewRef(zero), Py_NewRef(so), Py_NewRef(eo),
                                  Py_NewRef(PyTuple_GET_ITEM(action, 2))};
            r = append_new(st->lones, new_named(st->s->lone, 5, items));
        }
        Py_DECREF(so);
        Py_DECREF(eo);
    }
    Py_DECREF(seq);
    return r;
}

/* cues.words_before: the words of `before` (none unless a space ends it); `before` is the text
 * up to `start`, at most 60 characters, so its last 80 are all of it. */
static PyObject *
words_before(PyObject *before)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(before);
    if (n == 0 || PyUnicode_READ_CHAR(before, n - 1) != ' ') {
        return PyList_New(0);
    }
    return PyUnicode_Split(before, NULL, -1);
}

/* w in table or (w.endswith("s") and w[:-1] in table): the role tests' plural rule */
static int
in_or_plural(PyObject *w, PyObject *table)
{
    int r = PySequence_Contains(table, w);
    Py_ssize_t n = PyUnicode_GET_LENGTH(w);
    if (r != 0 || n == 0 || PyUnicode_READ_CHAR(w, n - 1) != 's') {
        return r;
    }
    PyObject *stem = PyUnicode_Substring(w, 0, n - 1);
    if (stem == NULL) {
        return -1;
    }
    r = PySequence_Contains(table, stem);
    Py_DECREF(stem);
    return r;
}

/* the lower-cased word equals `s` (-1 on error) */
static int
lower_is(PyObject *word, PyObject *s)
{
    PyObject *w = call0(word, s_lower);
    if (w == NULL) {
        return -1;
    }
    int r = PyUnicode_Compare(w, s) == 0;
    Py_DECREF(w);
    return PyErr_Occurred() ? -1 : r;
}

/* cues.role_at_words: an employer slot, a role noun then (within seven words) "at/of/with/for/from [the]" */
static int
role_at_words(const Scanner *s, PyObject *words)
{
    Py_ssize_t i = PyList_GET_SIZE(words) - 1;
    if (i >= 0) {
        int the = lower_is(PyList_GET_ITEM(words, i), s_the);
        if (the < 0) {
            return -1;
        }
        i -= the;
    }
    if (i < 0) {
        return 0;
    }
    PyObject *w = call0(PyList_GET_ITEM(words, i), s_lower);
    int r = w ? PySequence_Contains(s->employer_prepositions, w) : -1;
    Py_XDECREF(w);
    if (r <= 0) {
        return r;
    }
    for (Py_ssize_t j = i - 1; j >= (i - 7 > 0 ? i - 7 : 0); j--) {
        PyObject *word = PyList_GET_ITEM(words, j);
        Py_ssize_t n = PyUnicode_GET_LENGTH(word);
        Py_UCS4 last = n ? PyUnicode_READ_CHAR(word, n - 1) : 0;
        if (n && (last == '.' || last == ';' || last == ':')) {
            return 0;
        }
        PyObject *stripped = PyObject_CallMethodOneArg(word, s_strip, s_comma);
        w = stripped ? call0(stripped, s_lower) : NULL;
        Py_XDECREF(stripped);
        r = w ? in_or_plural(w, s->role_at_set) : -1;
        Py_XDECREF(w);
        if (r != 0) {
            return r;
        }
    }
    return 0;
}

/* cues.role_before_words: a role noun right before */
static int
role_before_words(const Scanner *s, PyObject *words)
{
    Py_ssize_t n = PyList_GET_SIZE(words);
    if (n == 0) {
        return 0;
    }
    PyObject *stripped = PyObject_CallMethodOneArg(PyList_GET_ITEM(words, n - 1), s_rstrip, s_comma);
    PyObject *w = stripped ? call0(stripped, s_lower) : NULL;
    Py_XDECREF(stripped);
    int r = w ? in_or_plural(w, s->role_set) : -1;
    Py_XDECREF(w);
    return r;
}

/* cues.said_before_words: a verb of saying right before, or "according to" */
static int
said_before_words(const Scanner *s, PyObject *words)
{
    Py_ssize_t n = PyList_GET_SIZE(words);
    if (n == 0) {
        return 0;
    }
    PyObject *w = call0(PyList_GET_ITEM(words, n - 1), s_lower);
    int r = w ? PySequence_Contains(s->said_set, w) : -1;
    Py_XDECREF(w);
    if (r != 0 || n < 2) {
        return r;
    }
    r = lower_is(PyList_GET_ITEM(words, n - 2), s_according);
    return r <= 0 ? r : lower_is(PyList_GET_ITEM(words, n - 1), s_to);
}

/* pattern.match(text) is not None */
static int
matches(PyObject *pattern, PyObject *text)
{
    PyObject *m = PyObject_CallMethodOneArg(pattern, s_match, text);
    if (m == NULL) {
        return -1;
    }
    int r = m != Py_None;
    Py_DECREF(m);
    return r;
}

/* cues.org_head_before_words: an organization noun right before, and no person's act after */
static int
org_head_before_words(const Scanner *s, PyObject *words, PyObject *after)
{
    Py_ssize_t n = PyList_GET_SIZE(words);
    if (n == 0) {
        return 0;
    }
    int r = PySequence_Contains(s->org_head_set, PyList_GET_ITEM(words, n - 1));
    if (r <= 0) {
        return r;
    }
    r = matches(s->person_act_after, after);
    return r < 0 ? -1 : !r;
}

/* The cued branch of Finder._follow: a name that the cues around it type. */
static int
follow_cued(const Story *st, Py_ssize_t start, Py_ssize_t end, PyObject *before, PyObject *plan)
{
    const Scanner *s = st->s;
    int r = -1;
    PyObject *after = NULL, *words = NULL, *methods = NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(st->text);
    after = PyUnicode_Substring(st->text, end, end + 80 < n ? end + 80 : n);
    words = after ? words_before(before) : NULL;
    if (words == NULL) {
        goto done;
    }
    int c = role_at_words(s, words);
    if (c != 0) {
        r = c < 0 ? -1 : unknown1(st, start, end, s_role_preposition, s_organization);
        goto done;
    }
    c = matches(s->said_it, after);
    if (c != 0) {
        r = c < 0 ? -1 : unknown1(st, start, end, s_said_cue, s_organization);
        goto done;
    }
    c = org_head_before_words(s, words, after); /* "the brokerage Castelo Pinto said" */
    if (c != 0) {
        r = c < 0 ? -1 : unknown1(st, start, end, s_appositive, s_organization);
        goto done;
    }
    c = matches(s->appositive, after);
    if (c != 0) {
        if (c > 0) {
            PyObject *org = PyObject_CallOneArg(s->appositive_is_org, after);
            c = org ? PyObject_IsTrue(org) : -1;
            Py_XDECREF(org);
        }
        r = c < 0 ? -1 : unknown1(st, start, end, s_appositive, c ? s_organization : s_person);
        goto done;
    }
    methods = PyList_New(0);
    if (methods == NULL) {
        goto done;
    }
    c = role_before_words(s, words);
    if (c < 0 || (c && PyList_Append(methods, s_title_cue) < 0)) {
        goto done;
    }
    c = matches(s->said_after, after);
    if (c == 0) {
        c = said_before_words(s, words);
    }
    if (c < 0 || (c && PyList_Append(methods, s_said_cue) < 0)) {
        goto done;
    }
    if (!PyTuple_Check(plan) || PyTuple_GET_SIZE(plan) < 5) {
        PyErr_SetString(PyExc_ValueError, "a cued plan has 5 items");
        goto done;
    }
    c = PySequence_Contains(s->given_names, PyTuple_GET_ITEM(plan, 3));
    if (c < 0 || (c && PyList_Append(methods, s_given_name) < 0)) {
        goto done;
    }
    PyObject *four = PyLong_FromLong(4);
    c = four ? PyObject_RichCompareBool(PyTuple_GET_ITEM(plan, 4), four, Py_LE) : -1;
    Py_XDECREF(four);
    if (c <= 0) {
        r = c;
        goto done;
    }
    if (PyList_GET_SIZE(methods)) {
        r = unknown(st, start, end, methods, s_person);
        methods = NULL; /* stolen */
        goto done;
    }
    /* No cue here; the same words may be a name met in full elsewhere in the story. */
    PyObject *items[5] = {Py_NewRef(st->field), Py_NewRef(zero), PyLong_FromSsize_t(start), PyLong_FromSsize_t(end),
                          PyUnicode_Substring(st->text, start, end)};
    r = append_new(st->lones, new_named(s->lone, 5, items));
done:
    Py_XDECREF(after);
    Py_XDECREF(words);
    Py_XDECREF(methods);
    return r;
}

/* Finder._follow: read a run without hits by its plan (`_plan`); the same steps as `_read_unknown`. */
static int
follow(const Story *st, Py_ssize_t run_start, PyObject *plan)
{
    const Scanner *s = st->s;
    if (!PyTuple_Check(plan) || PyTuple_GET_SIZE(plan) < 2) {
        PyErr_SetString(PyExc_ValueError, "a plan is a tuple of 2 items or more");
        return -1;
    }
    int c = PyObject_RichCompareBool(PyTuple_GET_ITEM(plan, 0), s->fixed_code, Py_EQ);
    if (c != 0) {
        return c < 0 ? -1 : act(st, run_start, PyTuple_GET_ITEM(plan, 1));
    }
    if (PyTuple_GET_SIZE(plan) < 4) {
        PyErr_SetString(PyExc_ValueError, "a titled or cued plan has 4 items or more");
        return -1;
    }
    Py_ssize_t start = PyNumber_AsSsize_t(PyTuple_GET_ITEM(plan, 1), PyExc_OverflowError);
    Py_ssize_t end = start == -1 && PyErr_Occurred() ? -1 : PyNumber_AsSsize_t(PyTuple_GET_ITEM(plan, 2), PyExc_OverflowError);
    if (end == -1 && PyErr_Occurred()) {
        return -1;
    }
    start += run_start;
    end += run_start;
    if (start < 0 || end < start || end > PyUnicode_GET_LENGTH(st->text)) {
        PyErr_SetString(PyExc_ValueError, "a plan outside its run");
        return -1;
    }
    PyObject *before = PyUnicode_Substring(st->text, start - 60 > 0 ? start - 60 : 0, start);
    if (before == NULL) {
        return -1;
    }
    int r;
    c = PyObject_RichCompareBool(PyTuple_GET_ITEM(plan, 0), s->titled_code, Py_EQ);
    if (c < 0) {
        r = -1;
    }
    else if (c) {
        /* cues.role_at(before) */
        PyObject *words = words_before(before);
        c = words ? role_at_words(s, words) : -1;
        Py_XDECREF(words);
        r = c < 0   ? -1
            : c     ? unknown1(st, start, end, s_role_preposition, s_organization)
                    : act(st, run_start, PyTuple_GET_ITEM(plan, 3));
    }
    else {
        r = follow_cued(st, start, end, before, plan);
    }
    Py_DECREF(before);
    return r;
}

/* The branch of Finder.scan for a run without hits: its cached plan (`_run_plan`) says what it
 * is; a one-mention plan is built here, the others are read by `follow` (Finder._follow). */
static int
plain_run(Scanner *self, PyObject *text, PyObject *field,
          PyObject *paragraph, PyObject *lones, PyObject *mentions, PyObject *rs_o, PyObject *re_o,
          Py_ssize_t rs, Py_ssize_t re)
{
    PyObject *run = PyUnicode_Substring(text, rs, re);
    if (run == NULL) {
        return -1;
    }
    PyObject *plan = PyDict_GetItemWithError(self->plans, run);
    if (plan != NULL) {
        Py_INCREF(plan);
    }
    else if (!PyErr_Occurred()) {
        plan = PyObject_CallOneArg(self->run_plan, run);
    }
    if (plan == NULL) {
        Py_DECREF(run);
        return -1;
    }
    int r = 0;
    if (plan == self->lone_plan) {
        PyObject *items[5] = {Py_NewRef(field), Py_NewRef(zero), Py_NewRef(rs_o), Py_NewRef(re_o), Py_NewRef(run)};
        r = append_new(lones, new_named(self->lone, 5, items));
        goto done;
    }
    r = PyObject_IsTrue(plan);
    if (r <= 0) {
        goto done;
    }
    PyObject *first = PySequence_GetItem(plan, 0);
    r = first ? PyObject_RichCompareBool(first, self->mention_code, Py_EQ) : -1;
    Py_XDECREF(first);
    if (r < 0) {
        goto done;
    }
    if (r == 0) {
        /* finder._follow(cx, run_start, plan, state) */
        Story st = {self, text, field, paragraph, lones, mentions};
        r = follow(&st, rs, plan);
        goto done;
    }
    /* (_MENTION, start, end, surface, kind, id, method) */
    if (!PyTuple_Check(plan) || PyTuple_GET_SIZE(plan) != 7) {
        PyErr_SetString(PyExc_ValueError, "a one-mention plan has 7 items");
        r = -1;
        goto done;
    }
    Py_ssize_t start = PyNumber_AsSsize_t(PyTuple_GET_ITEM(plan, 1), PyExc_OverflowError);
    Py_ssize_t end = start == -1 && PyErr_Occurred()
                         ? -1
                         : PyNumber_AsSsize_t(PyTuple_GET_ITEM(plan, 2), PyExc_OverflowError);
    if (end == -1 && PyErr_Occurred()) {
        r = -1;
        goto done;
    }
    PyObject *s = PyLong_FromSsize_t(rs + start);
    PyObject *e = s ? PyLong_FromSsize_t(rs + end) : NULL;
    PyObject *methods = e ? PyList_New(1) : NULL;
    if (methods == NULL) {
        Py_XDECREF(s);
        Py_XDECREF(e);
        r = -1;
        goto done;
    }
    PyList_SET_ITEM(methods, 0, Py_NewRef(PyTuple_GET_ITEM(plan, 6)));
    PyObject *surface = PyTuple_GET_ITEM(plan, 3);
    PyObject *values[M_COUNT] = {
        field,   paragraph, s,       e,           surface,   PyTuple_GET_ITEM(plan, 4), PyTuple_GET_ITEM(plan, 5),
        surface, Py_None,   methods, Py_None,     empty_tuple, empty_str,
    };
    r = append_new(mentions, new_mention(&self->ml, values));
    Py_DECREF(s);
    Py_DECREF(e);
done:
    Py_DECREF(plan);
    Py_DECREF(run);
    return r < 0 ? -1 : 0;
}

/* The main loop of Finder.scan, from `for run_start, run_end in zip(run_starts, run_ends)` to the
 * mentions of the hits no run used. `h` is the first hit not before the runs (after the caps
 * headline's runs); `starts`/`ends` end with the hit after every run; `used` says which hits the
 * caps headline used. */
static PyObject *
Scanner_scan(Scanner *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 11) {
        PyErr_SetString(PyExc_TypeError,
                        "scan(finder, cx, state, text, hits, starts, ends, run_starts, run_ends, used, h)");
        return NULL;
    }
    PyObject *finder = args[0], *cx = args[1], *state = args[2], *text = args[3], *hits = args[4],
             *run_starts = args[7], *run_ends = args[8], *used_list = args[9];
    Py_ssize_t h = PyNumber_AsSsize_t(args[10], PyExc_OverflowError);
    if (h == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (!PyUnicode_Check(text) || !PyList_Check(hits) || !PyList_Check(run_starts) || !PyList_Check(run_ends)
        || !PyList_Check(used_list)) {
        PyErr_SetString(PyExc_TypeError, "scan: text must be a str; hits, runs and used lists");
        return NULL;
    }
    Py_ssize_t nh = PyList_GET_SIZE(hits);
    Py_ssize_t nruns = PyList_GET_SIZE(run_starts);
    Py_ssize_t *starts = NULL, *ends = NULL, ns = 0, ne = 0;
    char *used = NULL;
    PyObject *field = NULL, *paragraph = NULL, *lones = NULL, *mentions = NULL, *elements = NULL;
    PyObject *result = NULL;
    if (PyList_GET_SIZE(run_ends) != nruns || PyList_GET_SIZE(used_list) != nh) {
        PyErr_SetString(PyExc_ValueError, "scan: runs and used of other lengths");
        return NULL;
    }
    if (index_list(args[5], "starts", &starts, &ns) < 0 || index_list(args[6], "ends", &ends, &ne) < 0) {
        goto done;
    }
    if (ns != nh + 1 || ne != nh + 1 || starts[nh] <= PyUnicode_GET_LENGTH(text)
        || ends[nh] <= PyUnicode_GET_LENGTH(text) || h < 0 || h > nh) {
        PyErr_SetString(PyExc_ValueError, "scan: starts and ends are the hits' and one after every run");
        goto done;
    }
    used = PyMem_Malloc((size_t)nh + 1);
    if (used == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < nh; i++) {
        int u = PyObject_IsTrue(PyList_GET_ITEM(used_list, i));
        if (u < 0) {
            goto done;
        }
        used[i] = (char)u;
    }
    field = PyObject_GetAttr(cx, s_field);
    paragraph = field ? PyObject_GetAttr(cx, s_paragraph) : NULL;
    lones = paragraph ? PyObject_GetAttr(state, s_lones) : NULL;
    mentions = lones ? PyObject_GetAttr(state, s_mentions) : NULL;
    if (mentions == NULL) {
        goto done;
    }
    if (!PyList_Check(lones) || !PyList_Check(mentions)) {
        PyErr_SetString(PyExc_TypeError, "scan: state.lones and state.mentions must be lists");
        goto done;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    for (Py_ssize_t r = 0; r < nruns && r < PyList_GET_SIZE(run_ends); r++) {
        PyObject *rs_o = PyList_GET_ITEM(run_starts, r), *re_o = PyList_GET_ITEM(run_ends, r);
        Py_ssize_t rs = PyNumber_AsSsize_t(rs_o, PyExc_OverflowError);
        Py_ssize_t re = PyNumber_AsSsize_t(re_o, PyExc_OverflowError);
        if ((rs == -1 || re == -1) && PyErr_Occurred()) {
            goto done;
        }
        if (rs < 0 || re < rs || re > PyUnicode_GET_LENGTH(text)) {
            PyErr_SetString(PyExc_ValueError, "scan: a run outside the text");
            goto done;
        }
        while (ends[h] <= rs) {
            h++;
        }
        if (starts[h] >= re) {
            /* Without hits, the run's words decide what it is, but for the cues around it. */
            Py_INCREF(rs_o);
            Py_INCREF(re_o);
            int err = plain_run(self, text, field, paragraph, lones, mentions, rs_o, re_o, rs, re);
            Py_DECREF(rs_o);
            Py_DECREF(re_o);
            if (err < 0) {
                goto done;
            }
            continue;
        }
        if (starts[h] == rs && ends[h] == re) {
            /* The run is exactly one catalogue entry ("Germany", "European Central Bank"). */
            used[h] = 1;
            if (append_new(mentions, entry_mention(self, field, paragraph, PyList_GET_ITEM(hits, h), text)) < 0) {
                goto done;
            }
            continue;
        }
        elements = PyList_New(0);
        if (elements == NULL) {
            goto done;
        }
        Py_ssize_t k = h;
        int plain = 1; /* only hits and sentence words ("The Kremlin"): nothing for the rules to read */
        /* for tok in text[run_start:run_end].split(" ") */
        Py_ssize_t tok_start = rs;
        for (Py_ssize_t i = rs;; i++) {
            if (i < re && PyUnicode_READ(kind, data, i) != ' ') {
                continue;
            }
            Py_ssize_t tok_end = i;
            while (ends[k] <= tok_start) {
                k++;
            }
            if (starts[k] <= tok_start && tok_end <= ends[k]) {
                PyObject *hit = PyList_GET_ITEM(hits, k);
                Py_ssize_t nel = PyList_GET_SIZE(elements);
                if (starts[k] >= rs && ends[k] <= re && (nel == 0 || PyList_GET_ITEM(elements, nel - 1) != hit)) {
                    if (PyList_Append(elements, hit) < 0) {
                        goto done;
                    }
                    used[k] = 1;
                }
            }
            else {
                PyObject *tok = PyUnicode_Substring(text, tok_start, tok_end);
                if (tok == NULL) {
                    goto done;
                }
                if (plain) {
                    int c = PySet_Contains(self->common, tok);
                    if (c == 0) {
                        int t = PySet_Contains(self->title_words, tok);
                        if (t == 1) {
                            t = PySet_Contains(self->org_suffix, tok);
                            c = t < 0 ? -1 : t == 0;
                        }
                        else {
                            c = t < 0 ? -1 : 0;
                        }
                        if (c == 0) {
                            plain = 0;
                        }
                    }
                    if (c < 0) {
                        Py_DECREF(tok);
                        goto done;
                    }
                }
                PyObject *items[3] = {PyLong_FromSsize_t(tok_start), PyLong_FromSsize_t(tok_end), tok};
                PyObject *element = PyTuple_New(3);
                if (element == NULL || items[0] == NULL || items[1] == NULL) {
                    Py_XDECREF(element);
                    Py_XDECREF(items[0]);
                    Py_XDECREF(items[1]);
                    Py_DECREF(tok);
                    goto done;
                }
                for (int j = 0; j < 3; j++) {
                    PyTuple_SET_ITEM(element, j, items[j]);
                }
                if (append_new(elements, element) < 0) {
                    goto done;
                }
            }
            if (i >= re) {
                break;
            }
            tok_start = i + 1;
        }
        if (!plain) {
            PyObject *res = PyObject_CallMethodObjArgs(finder, s_read_run, cx, elements, state, NULL);
            if (res == NULL) {
                goto done;
            }
            Py_DECREF(res);
        }
        else {
            for (Py_ssize_t i = 0; i < PyList_GET_SIZE(elements); i++) {
                PyObject *element = PyList_GET_ITEM(elements, i);
                if (PyObject_TypeCheck(element, self->hit)
                    && append_new(mentions, entry_mention(self, field, paragraph, element, text)) < 0) {
                    goto done;
                }
            }
        }
        Py_CLEAR(elements);
    }
    for (Py_ssize_t i = 0; i < nh && i < PyList_GET_SIZE(hits); i++) {
        if (!used[i] && append_new(mentions, entry_mention(self, field, paragraph, PyList_GET_ITEM(hits, i), text)) < 0) {
            goto done;
        }
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(starts);
    PyMem_Free(ends);
    PyMem_Free(used);
    Py_XDECREF(field);
    Py_XDECREF(paragraph);
    Py_XDECREF(lones);
    Py_XDECREF(mentions);
    Py_XDECREF(elements);
    return result;
}

/* ------------------------------------------------------------------ find._merge_runs */

/* The last word of text[start:end]: text[start:end].rsplit(" ", 1)[-1] */
static PyObject *
last_word(PyObject *text, Py_ssize_t start, Py_ssize_t end)
{
    Py_ssize_t i = end;
    while (i > start && PyUnicode_READ_CHAR(text, i - 1) != ' ') {
        i--;
    }
    return PyUnicode_Substring(text, i, end);
}

/* find._inside_hit: whether [start, end) lies inside one hit */
static int
inside_hit(const Py_ssize_t *hs, const Py_ssize_t *he, Py_ssize_t n, Py_ssize_t start, Py_ssize_t end)
{
    for (Py_ssize_t k = 0; k < n; k++) {
        if (he[k] >= end && hs[k] <= start) {
            return 1;
        }
    }
    return 0;
}

/* list[lo:hi] appended to `out` */
static int
extend(PyObject *out, PyObject *list, Py_ssize_t lo, Py_ssize_t hi)
{
    for (Py_ssize_t i = lo; i < hi; i++) {
        if (PyList_Append(out, PyList_GET_ITEM(list, i)) < 0) {
            return -1;
        }
    }
    return 0;
}

/* find._merge_runs: join "Ministry" + "of" + "Finance" and "Securities" + "and" + "Investments
 * Commission" (runs as their starts and ends). */
static PyObject *
Scanner_merge_runs(Scanner *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "merge_runs(text, starts, ends, hit_starts, hit_ends)");
        return NULL;
    }
    PyObject *text = args[0], *starts = args[1], *ends = args[2];
    if (!PyUnicode_Check(text) || !PyList_Check(starts) || !PyList_Check(ends)) {
        PyErr_SetString(PyExc_TypeError, "merge_runs: a str and lists");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(starts);
    if (n < 2) {
        return PyTuple_Pack(2, starts, ends);
    }
    PyObject *result = NULL, *merged_starts = NULL, *merged_ends = NULL;
    Py_ssize_t *s = NULL, *e = NULL, *hs = NULL, *he = NULL, *joins = NULL, ns, ne, nhs, nhe, nj = 0;
    if (index_list(starts, "starts", &s, &ns) < 0 || index_list(ends, "ends", &e, &ne) < 0
        || index_list(args[3], "hit_starts", &hs, &nhs) < 0 || index_list(args[4], "hit_ends", &he, &nhe) < 0) {
        goto done;
    }
    if (ne != n || nhe != nhs) {
        PyErr_SetString(PyExc_ValueError, "merge_runs: starts and ends of other lengths");
        goto done;
    }
    joins = PyMem_Malloc(sizeof(Py_ssize_t) * 2 * (size_t)n); /* (first, last) run index of each joined group */
    if (joins == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t first = -1, last = -1;
    for (Py_ssize_t i = 1; i < n; i++) {
        Py_ssize_t gap_length = s[i] - e[i - 1];
        int fits = 0;
        for (int k = 0; k < self->n_connector_lengths; k++) {
            fits |= gap_length == self->connector_lengths[k];
        }
        if (!fits || e[i - 1] < 0 || s[i] > PyUnicode_GET_LENGTH(text)) {
            continue;
        }
        PyObject *gap = PyUnicode_Substring(text, e[i - 1], s[i]);
        int is = gap ? PySet_Contains(self->connectors, gap) : -1;
        int is_and = is > 0 ? PyUnicode_Compare(gap, s_and) == 0 : 0;
        Py_XDECREF(gap);
        if (is <= 0) {
            if (is < 0) {
                goto done;
            }
            continue;
        }
        if (last != i - 1) {
            first = i - 1; /* run i - 1 is not joined to the one before it */
        }
        if (s[i - 1] < 0 || e[i] > PyUnicode_GET_LENGTH(text)) {
            PyErr_SetString(PyExc_ValueError, "merge_runs: a run outside the text");
            goto done;
        }
        PyObject *head = last_word(text, s[i - 1], e[i - 1]);
        if (head == NULL) {
            goto done;
        }
        int join;
        if (!is_and) {
            /* " of ", " for ", " of the ", " for the " */
            join = PySet_Contains(self->org_head_of, head);
            if (join > 0) {
                join = !inside_hit(hs, he, nhs, s[first], e[i - 1]);
            }
        }
        else {
            join = PySet_Contains(self->org_suffix, head);
            if (join > 0) {
                PyObject *next = last_word(text, s[i], e[i]);
                join = next ? PySet_Contains(self->org_suffix, next) : -1;
                Py_XDECREF(next);
            }
        }
        Py_DECREF(head);
        if (join < 0) {
            goto done;
        }
        if (join) {
            if (nj && joins[2 * (nj - 1)] == first) {
                joins[2 * (nj - 1) + 1] = i;
            }
            else {
                joins[2 * nj] = first;
                joins[2 * nj + 1] = i;
                nj++;
            }
            last = i;
        }
    }
    if (nj == 0) {
        result = PyTuple_Pack(2, starts, ends);
        goto done;
    }
    merged_starts = PyList_New(0);
    merged_ends = PyList_New(0);
    if (merged_starts == NULL || merged_ends == NULL) {
        goto done;
    }
    Py_ssize_t pos = 0;
    for (Py_ssize_t j = 0; j < nj; j++) {
        Py_ssize_t f = joins[2 * j], l = joins[2 * j + 1];
        if (extend(merged_starts, starts, pos, f) < 0 || extend(merged_ends, ends, pos, f) < 0
            || PyList_Append(merged_starts, PyList_GET_ITEM(starts, f)) < 0
            || PyList_Append(merged_ends, PyList_GET_ITEM(ends, l)) < 0) {
            goto done;
        }
        pos = l + 1;
    }
    if (extend(merged_starts, starts, pos, n) < 0 || extend(merged_ends, ends, pos, n) < 0) {
        goto done;
    }
    result = PyTuple_Pack(2, merged_starts, merged_ends);
done:
    PyMem_Free(s);
    PyMem_Free(e);
    PyMem_Free(hs);
    PyMem_Free(he);
    PyMem_Free(joins);
    Py_XDECREF(merged_starts);
    Py_XDECREF(merged_ends);
    return result;
}

static PyObject *
Scanner_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"mention",     "lone",       "hit",       "plans",         "run_plan",
                             "lone_plan",   "mention_code", "common",  "title_words",   "org_suffix",
                             "particles",   "abbreviations", "prefixes", "fixed_code", "titled_code",
                             "role_set", "role_at_set", "employer_prepositions", "said_set", "org_head_set",
                             "said_it", "appositive", "said_after", "person_act_after", "given_names",
                             "appositive_is_org", "local_id", "connectors", "connector_lengths", "org_head_of",
                             NULL};
    PyObject *mention, *lone, *hit, *plans, *run_plan, *lone_plan, *mention_code, *common, *title_words,
        *org_suffix, *particles, *abbreviations, *prefixes;
    PyObject *f[14], *connectors, *connector_lengths, *org_head_of;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "$OOOO!OOOO!O!O!OOOOOO!O!O!O!O!OOOOO!OOO!OO!:Scanner", kwlist, &mention,
                                     &lone, &hit, &PyDict_Type, &plans, &run_plan, &lone_plan, &mention_code,
                                     &PyFrozenSet_Type, &common, &PyFrozenSet_Type, &title_words,
                                     &PyFrozenSet_Type, &org_suffix, &particles, &abbreviations, &prefixes, &f[0],
                                     &f[1], &PyFrozenSet_Type, &f[2], &PyFrozenSet_Type, &f[3], &PyFrozenSet_Type,
                                     &f[4], &PyFrozenSet_Type, &f[5], &PyFrozenSet_Type, &f[6], &f[7], &f[8], &f[9],
                                     &f[10], &PyFrozenSet_Type, &f[11], &f[12], &f[13], &PyFrozenSet_Type,
                                     &connectors, &connector_lengths, &PyFrozenSet_Type, &org_head_of)) {
        return NULL;
    }
    if (check_named(lone, "lone") < 0 || check_named(hit, "hit") < 0) {
        return NULL;
    }
    Scanner *self = (Scanner *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    if (layout_init(&self->ml, mention) < 0 || words_init(&self->particles, particles, "particles") < 0
        || words_init(&self->abbreviations, abbreviations, "abbreviations") < 0
        || words_init(&self->prefixes, prefixes, "prefixes") < 0) {
        Py_DECREF(self);
        return NULL;
    }
    self->lone = (PyTypeObject *)Py_NewRef(lone);
    self->hit = (PyTypeObject *)Py_NewRef(hit);
    self->plans = Py_NewRef(plans);
    self->run_plan = Py_NewRef(run_plan);
    self->lone_plan = Py_NewRef(lone_plan);
    self->mention_code = Py_NewRef(mention_code);
    self->common = Py_NewRef(common);
    self->title_words = Py_NewRef(title_words);
    self->org_suffix = Py_NewRef(org_suffix);
    PyObject **slots[14] = {&self->fixed_code, &self->titled_code, &self->role_set, &self->role_at_set,
                            &self->employer_prepositions, &self->said_set, &self->org_head_set, &self->said_it,
                            &self->appositive, &self->said_after, &self->person_act_after, &self->given_names,
                            &self->appositive_is_org, &self->local_id};
    for (int i = 0; i < 14; i++) {
        *slots[i] = Py_NewRef(f[i]);
    }
    self->connectors = Py_NewRef(connectors);
    self->org_head_of = Py_NewRef(org_head_of);
    PyObject *lengths = PySequence_Fast(connector_lengths, "connector_lengths must be a collection of ints");
    if (lengths == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(lengths); i++) {
        Py_ssize_t v = PyNumber_AsSsize_t(PySequence_Fast_GET_ITEM(lengths, i), PyExc_OverflowError);
        if ((v == -1 && PyErr_Occurred()) || i >= 8) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_ValueError, "connector_lengths: up to 8 lengths");
            }
            Py_DECREF(lengths);
            Py_DECREF(self);
            return NULL;
        }
        self->connector_lengths[self->n_connector_lengths++] = v;
    }
    Py_DECREF(lengths);
    return (PyObject *)self;
}

static void
Scanner_dealloc(Scanner *self)
{
    Py_XDECREF(self->ml.type);
    Py_XDECREF(self->lone);
    Py_XDECREF(self->hit);
    Py_XDECREF(self->plans);
    Py_XDECREF(self->run_plan);
    Py_XDECREF(self->lone_plan);
    Py_XDECREF(self->mention_code);
    Py_XDECREF(self->common);
    Py_XDECREF(self->title_words);
    Py_XDECREF(self->org_suffix);
    PyObject *more[14] = {self->fixed_code, self->titled_code, self->role_set, self->role_at_set,
                          self->employer_prepositions, self->said_set, self->org_head_set, self->said_it,
                          self->appositive, self->said_after, self->person_act_after, self->given_names,
                          self->appositive_is_org, self->local_id};
    for (int i = 0; i < 14; i++) {
        Py_XDECREF(more[i]);
    }
    Py_XDECREF(self->connectors);
    Py_XDECREF(self->org_head_of);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Scanner_methods[] = {
    {"find", (PyCFunction)(void (*)(void))Scanner_find, METH_FASTCALL,
     "Catalogue.find's per-match work over the automaton's iter_long matches."},
    {"scan", (PyCFunction)(void (*)(void))Scanner_scan, METH_FASTCALL, "The main loop of Finder.scan."},
    {"runs", (PyCFunction)Scanner_runs, METH_O, "The starts and ends of find.RUN_RE's matches."},
    {"merge_runs", (PyCFunction)(void (*)(void))Scanner_merge_runs, METH_FASTCALL,
     "find._merge_runs: runs joined across connectors."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "ingest.tag._entities.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The hot loops of ingest.tag.find.Finder (see find.py).",
    .tp_methods = Scanner_methods,
    .tp_new = Scanner_new,
};

/* ------------------------------------------------------------------ Assembler */

typedef struct {
    PyObject_HEAD
    Layout ml;
    PyObject *confidence, *fallback, *nothing; /* CONFIDENCE, its default 0.7, 0.0 */
    PyObject *two, *full, *half;               /* 2.0, 1.0, 0.5: a country's support */
    PyObject *entity, *in_headline, *in_lead, *in_body, *add;
} Assembler;

/* link._add_methods: append to `methods` those of `new` it lacks; return `confidence` (stolen)
 * raised to theirs (a new reference; NULL on error). */
static PyObject *
add_methods(Assembler *self, PyObject *methods, PyObject *new, PyObject *confidence)
{
    PyObject *it = PyObject_GetIter(new);
    if (it == NULL) {
        Py_DECREF(confidence);
        return NULL;
    }
    PyObject *method;
    while ((method = PyIter_Next(it)) != NULL) {
        int has = PySequence_Contains(methods, method);
        if (has == 0) {
            has = append(methods, method);
            PyObject *score = has == 0 ? PyDict_GetItemWithError(self->confidence, method) : NULL;
            if (score == NULL && has == 0 && !PyErr_Occurred()) {
                score = self->fallback;
            }
            int gt = score ? PyObject_RichCompareBool(score, confidence, Py_GT) : -1;
            if (gt > 0) {
                Py_SETREF(confidence, Py_NewRef(score));
            }
            has = gt < 0 ? -1 : 0;
        }
        Py_DECREF(method);
        if (has < 0) {
            Py_DECREF(it);
            Py_DECREF(confidence);
            return NULL;
        }
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) {
        Py_DECREF(confidence);
        return NULL;
    }
    return confidence;
}

/* entity[key] as a new reference (KeyError when missing, as the Python subscript). */
static PyObject *
item(PyObject *d, PyObject *key)
{
    PyObject *v = PyDict_GetItemWithError(d, key);
    if (v == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetObject(PyExc_KeyError, key);
        }
        return NULL;
    }
    return Py_NewRef(v);
}

/* link._merge: add a later mention (and its span) of an entity; its salience is the caller's. */
static int
merge(Assembler *self, PyObject *entity, PyObject *loose, PyObject *m, PyObject *span)
{
    const Layout *l = &self->ml;
    int r = -1;
    PyObject *count = NULL, *spans = NULL, *text = NULL, *forms = NULL, *country = NULL, *methods = NULL,
             *evidence = NULL, *confidence = NULL, *id = NULL, *entry = NULL, *name = NULL, *cur = NULL;
    count = item(entity, s_mentions);
    if (count == NULL) {
        goto done;
    }
    Py_SETREF(count, PyNumber_Add(count, one));
    if (count == NULL || PyDict_SetItem(entity, s_mentions, count) < 0) {
        goto done;
    }
    spans = item(entity, s_spans);
    if (spans == NULL || append(spans, span) < 0) {
        goto done;
    }
    text = mget(l, m, M_TEXT);
    forms = text ? item(entity, s_surface_forms) : NULL;
    if (forms == NULL) {
        goto done;
    }
    int has = PySequence_Contains(forms, text);
    if (has < 0) {
        goto done;
    }
    if (!has && append(forms, text) < 0) {
        goto done;
    }
    country = item(entity, s_country);
    if (country == NULL) {
        goto done;
    }
    if (country == Py_None) {
        Py_SETREF(country, mget(l, m, M_COUNTRY));
        if (country == NULL || PyDict_SetItem(entity, s_country, country) < 0) {
            goto done;
        }
    }
    methods = mget(l, m, M_METHODS);
    evidence = methods ? item(entity, s_evidence) : NULL;
    if (evidence == NULL) {
        goto done;
    }
    /* nearly every mention has one method, most often one the entity already has */
    Py_ssize_t nm = PyObject_Length(methods);
    if (nm < 0) {
        goto done;
    }
    int known = 0;
    if (nm == 1) {
        PyObject *first = PySequence_GetItem(methods, 0);
        known = first ? PySequence_Contains(evidence, first) : -1;
        Py_XDECREF(first);
        if (known < 0) {
            goto done;
        }
    }
    if (nm != 1 || !known) {
        confidence = item(entity, s_confidence);
        if (confidence == NULL) {
            goto done;
        }
        confidence = add_methods(self, evidence, methods, confidence);
        if (confidence == NULL || PyDict_SetItem(entity, s_confidence, confidence) < 0) {
            goto done;
        }
    }
    /* The name: that of the first catalogue entry met in the group, else its longest name. */
    id = item(entity, s_id);
    if (id == NULL) {
        goto done;
    }
    int is_loose = PySet_Contains(loose, id);
    if (is_loose < 0) {
        goto done;
    }
    if (is_loose) {
        entry = mget(l, m, M_ENTRY);
        if (entry == NULL) {
            goto done;
        }
        if (entry != Py_None) {
            if (PySet_Discard(loose, id) < 0) {
                goto done;
            }
            name = PyObject_GetAttr(entry, s_name);
            if (name == NULL || PyDict_SetItem(entity, s_name, name) < 0) {
                goto done;
            }
            PyObject *aliases = PyObject_GetAttr(entry, s_aliases);
            PyObject *copy = aliases ? PySequence_List(aliases) : NULL;
            Py_XDECREF(aliases);
            if (copy == NULL || PyDict_SetItem(entity, s_aliases, copy) < 0) {
                Py_XDECREF(copy);
                goto done;
            }
            Py_DECREF(copy);
        }
        else {
            name = mget(l, m, M_NAME);
            cur = name ? item(entity, s_name) : NULL;
            if (cur == NULL) {
                goto done;
            }
            Py_ssize_t a = PyObject_Length(name), b = a < 0 ? -1 : PyObject_Length(cur);
            if (b < 0) {
                goto done;
            }
            if (a > b && PyDict_SetItem(entity, s_name, name) < 0) {
                goto done;
            }
        }
    }
    r = 0;
done:
    Py_XDECREF(count);
    Py_XDECREF(spans);
    Py_XDECREF(text);
    Py_XDECREF(forms);
    Py_XDECREF(country);
    Py_XDECREF(methods);
    Py_XDECREF(evidence);
    Py_XDECREF(confidence);
    Py_XDECREF(id);
    Py_XDECREF(entry);
    Py_XDECREF(name);
    Py_XDECREF(cur);
    return r;
}

/* The first mention of an entity in link._entities: its dict, from the template, in the
 * record's key order. */
static int
first_mention(Assembler *self, PyObject *entities, PyObject *loose, PyObject *m, PyObject *id, PyObject *type,
              PyObject *text, PyObject *span, PyObject *salience)
{
    const Layout *l = &self->ml;
    int r = -1;
    PyObject *entry = NULL, *src = NULL, *methods = NULL, *confidence = NULL, *entity = NULL, *value = NULL,
             *country = NULL;
    entry = mget(l, m, M_ENTRY);
    src = entry ? mget(l, m, M_METHODS) : NULL;
    if (src == NULL) {
        goto done;
    }
    Py_ssize_t nm = PyObject_Length(src);
    if (nm < 0) {
        goto done;
    }
    if (nm == 1) {
        /* nearly every mention was found by one method */
        PyObject *method = PySequence_GetItem(src, 0);
        if (method == NULL) {
            goto done;
        }
        confidence = PyDict_GetItemWithError(self->confidence, method);
        if (confidence == NULL && !PyErr_Occurred()) {
            confidence = self->fallback;
        }
        Py_XINCREF(confidence);
        methods = confidence ? PyList_New(1) : NULL;
        if (methods == NULL) {
            Py_DECREF(method);
            goto done;
        }
        PyList_SET_ITEM(methods, 0, method);
    }
    else {
        methods = PyList_New(0);
        confidence = methods ? add_methods(self, methods, src, Py_NewRef(self->nothing)) : NULL;
        if (confidence == NULL) {
            goto done;
        }
    }
    entity = PyDict_Copy(self->entity);
    if (entity == NULL || PyDict_SetItem(entities, id, entity) < 0 || PyDict_SetItem(entity, s_type, type) < 0) {
        goto done;
    }
    if (entry == Py_None) {
        if (PySet_Add(loose, id) < 0) {
            goto done;
        }
        value = mget(l, m, M_NAME);
        if (value == NULL || PyDict_SetItem(entity, s_name, value) < 0) {
            goto done;
        }
        Py_SETREF(value, PyList_New(0));
    }
    else {
        value = PyObject_GetAttr(entry, s_name);
        if (value == NULL || PyDict_SetItem(entity, s_name, value) < 0) {
            goto done;
        }
        Py_SETREF(value, PyObject_GetAttr(entry, s_aliases));
        if (value != NULL) {
            Py_SETREF(value, PySequence_List(value));
        }
    }
    if (value == NULL || PyDict_SetItem(entity, s_aliases, value) < 0) {
        goto done;
    }
    Py_SETREF(value, PyList_New(1));
    if (value == NULL) {
        goto done;
    }
    PyList_SET_ITEM(value, 0, Py_NewRef(text));
    if (PyDict_SetItem(entity, s_surface_forms, value) < 0 || PyDict_SetItem(entity, s_id, id) < 0) {
        goto done;
    }
    country = mget(l, m, M_COUNTRY);
    if (country == NULL || (country != Py_None && PyDict_SetItem(entity, s_country, country) < 0)) {
        goto done;
    }
    Py_SETREF(value, PyList_New(1));
    if (value == NULL) {
        goto done;
    }
    PyList_SET_ITEM(value, 0, Py_NewRef(span));
    if (PyDict_SetItem(entity, s_spans, value) < 0) {
        goto done;
    }
    Py_SETREF(value, PyDict_Copy(salience));
    if (value == NULL || PyDict_SetItem(entity, s_salience, value) < 0
        || PyDict_SetItem(entity, s_confidence, confidence) < 0 || PyDict_SetItem(entity, s_evidence, methods) < 0) {
        goto done;
    }
    r = 0;
done:
    Py_XDECREF(entry);
    Py_XDECREF(src);
    Py_XDECREF(methods);
    Py_XDECREF(confidence);
    Py_XDECREF(entity);
    Py_XDECREF(value);
    Py_XDECREF(country);
    return r;
}

/* link._entities: the entity list of `assemble`, with `story` sorted on start; None when two
 * mentions start together and the longer comes second. */
static PyObject *
Assembler_entities(Assembler *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "entities(dated, story, credit_names, texts, heads, paragraphs)");
        return NULL;
    }
    PyObject *dated = args[0], *story = args[1], *credit_names = args[2], *texts = args[3], *paragraphs = args[5];
    const Layout *l = &self->ml;
    Py_ssize_t heads = PyNumber_AsSsize_t(args[4], PyExc_OverflowError);
    if (heads == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (!PyList_Check(story)) {
        PyErr_SetString(PyExc_TypeError, "entities: story must be a list");
        return NULL;
    }
    PyObject *result = NULL, *field = Py_NewRef(empty_str), *paragraph = Py_NewRef(zero);
    PyObject *m = NULL, *type = NULL, *text = NULL, *id = NULL, *span = NULL, *it = NULL;
    PyObject *entities = PyDict_New();
    PyObject *loose = entities ? PySet_New(NULL) : NULL;
    if (loose == NULL) {
        goto done;
    }
    /* dateline locations each have their own paragraph: none overlaps another */
    it = PyObject_GetIter(dated);
    if (it == NULL) {
        goto done;
    }
    while ((m = PyIter_Next(it)) != NULL) {
        PyObject *p = mget(l, m, M_PARAGRAPH);
        PyObject *s = p ? mget(l, m, M_START) : NULL;
        PyObject *e = s ? mget(l, m, M_END) : NULL;
        PyObject *res =
            e ? PyObject_CallFunctionObjArgs(self->add, entities, loose, credit_names, m, s_dateline, p, s, e, NULL)
              : NULL;
        Py_XDECREF(p);
        Py_XDECREF(s);
        Py_XDECREF(e);
        Py_CLEAR(m);
        if (res == NULL) {
            goto done;
        }
        Py_DECREF(res);
    }
    if (PyErr_Occurred()) {
        goto done;
    }
    int credits = PyObject_IsTrue(credit_names);
    if (credits < 0) {
        goto done;
    }
    Py_ssize_t last_start = -1, last_end = -1;
    /* the part holding the current mention: its index, where it starts (`shift`) and where the
     * next one starts */
    Py_ssize_t index = -1, shift = 0, next_part = 0;
    int headline = 0, lead = 0;
    PyObject *salience = self->in_body;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(story); i++) {
        m = Py_NewRef(PyList_GET_ITEM(story, i));
        Py_ssize_t start = mget_index(l, m, M_START);
        if (start == -1 && PyErr_Occurred()) {
            goto done;
        }
        Py_ssize_t end = mget_index(l, m, M_END);
        if (end == -1 && PyErr_Occurred()) {
            goto done;
        }
        if (start < last_end) {
            if (start == last_start && end > last_end) {
                result = Py_NewRef(Py_None);
                goto done;
            }
            Py_CLEAR(m);
            continue;
        }
        last_start = start;
        last_end = end;
        if (start >= next_part) {
            while (next_part <= start) {
                index += 1;
                shift = next_part;
                PyObject *part = PySequence_GetItem(texts, index);
                Py_ssize_t n = part ? PyObject_Length(part) : -1;
                Py_XDECREF(part);
                if (n < 0) {
                    goto done;
                }
                next_part += n + 2; /* and a blank line */
            }
            if (index < heads) {
                Py_SETREF(field, Py_NewRef(s_headline));
                Py_SETREF(paragraph, Py_NewRef(zero));
                headline = 1;
                lead = 0;
                salience = self->in_headline;
            }
            else {
                if (paragraphs == Py_None) {
                    Py_SETREF(paragraph, PyLong_FromSsize_t(index - heads));
                }
                else {
                    Py_SETREF(paragraph, PySequence_GetItem(paragraphs, index));
                }
                if (paragraph == NULL) {
                    goto done;
                }
                Py_SETREF(field, Py_NewRef(s_body));
                headline = 0;
                lead = PyObject_RichCompareBool(paragraph, zero, Py_EQ);
                if (lead < 0) {
                    goto done;
                }
                salience = lead ? self->in_lead : self->in_body;
            }
        }
        type = mget(l, m, M_TYPE);
        if (type == NULL) {
            goto done;
        }
        int person = PyObject_RichCompareBool(type, s_person, Py_EQ);
        if (person < 0) {
            goto done;
        }
        if (person && credits) {
            PyObject *name = mget(l, m, M_NAME);
            int credited = name ? PySequence_Contains(credit_names, name) : -1;
            Py_XDECREF(name);
            if (credited == 0) {
                PyObject *t = mget(l, m, M_TEXT);
                credited = t ? PySequence_Contains(credit_names, t) : -1;
                Py_XDECREF(t);
            }
            if (credited < 0) {
                goto done;
            }
            if (credited) {
                Py_CLEAR(type);
                Py_CLEAR(m);
                continue;
            }
        }
        text = mget(l, m, M_TEXT);
        span = text ? PyDict_New() : NULL;
        if (span == NULL) {
            goto done;
        }
        PyObject *s = PyLong_FromSsize_t(start - shift), *e = PyLong_FromSsize_t(end - shift);
        int bad = s == NULL || e == NULL || PyDict_SetItem(span, s_field, field) < 0
                  || PyDict_SetItem(span, s_paragraph, paragraph) < 0 || PyDict_SetItem(span, s_start, s) < 0
                  || PyDict_SetItem(span, s_end, e) < 0 || PyDict_SetItem(span, s_text, text) < 0;
        Py_XDECREF(s);
        Py_XDECREF(e);
        id = bad ? NULL : mget(l, m, M_ID);
        if (id == NULL) {
            goto done;
        }
        PyObject *entity = PyDict_GetItemWithError(entities, id);
        if (entity == NULL) {
            if (PyErr_Occurred() || first_mention(self, entities, loose, m, id, type, text, span, salience) < 0) {
                goto done;
            }
        }
        else {
            Py_INCREF(entity);
            int err = merge(self, entity, loose, m, span);
            if (err == 0 && (headline || lead)) {
                PyObject *sal = item(entity, s_salience);
                err = sal ? PyObject_SetItem(sal, headline ? s_headline : s_lead, Py_True) : -1;
                Py_XDECREF(sal);
            }
            Py_DECREF(entity);
            if (err < 0) {
                goto done;
            }
        }
        Py_CLEAR(type);
        Py_CLEAR(text);
        Py_CLEAR(span);
        Py_CLEAR(id);
        Py_CLEAR(m);
    }
    result = PyDict_Values(entities);
done:
    Py_XDECREF(it);
    Py_XDECREF(m);
    Py_XDECREF(type);
    Py_XDECREF(text);
    Py_XDECREF(span);
    Py_XDECREF(id);
    Py_XDECREF(field);
    Py_XDECREF(paragraph);
    Py_XDECREF(entities);
    Py_XDECREF(loose);
    return result;
}

/* setdefault(d, key, m) for each key of `keys` */
static int
set_keys(PyObject *d, PyObject *keys, PyObject *m)
{
    PyObject *it = PyObject_GetIter(keys);
    if (it == NULL) {
        return -1;
    }
    PyObject *key;
    while ((key = PyIter_Next(it)) != NULL) {
        PyObject *v = PyDict_SetDefault(d, key, m);
        Py_DECREF(key);
        if (v == NULL) {
            Py_DECREF(it);
            return -1;
        }
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : 0;
}

/* `cache.get(name) or keys_of(name)` */
static PyObject *
cached_keys(PyObject *cache, PyObject *keys_of, PyObject *name)
{
    PyObject *keys = PyDict_GetItemWithError(cache, name);
    if (keys == NULL && PyErr_Occurred()) {
        return NULL;
    }
    int truth = keys == NULL ? 0 : PyObject_IsTrue(keys);
    if (truth < 0) {
        return NULL;
    }
    return truth ? Py_NewRef(keys) : PyObject_CallOneArg(keys_of, name);
}

/* link._gather: the pass of Linker.link over the story mentions. */
static PyObject *
Assembler_gather(Assembler *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError,
                        "gather(mentions, clubs, reporting, person_keys, person_keys_of, org_keys, org_keys_of)");
        return NULL;
    }
    PyObject *mentions = args[0], *clubs = args[1], *reporting = args[2], *person_keys = args[3],
             *person_keys_of = args[4], *org_keys = args[5], *org_keys_of = args[6];
    const Layout *l = &self->ml;
    if (!PyList_Check(mentions) || !PyDict_Check(person_keys) || !PyDict_Check(org_keys)) {
        PyErr_SetString(PyExc_TypeError, "gather: mentions must be a list, the key caches dicts");
        return NULL;
    }
    PyObject *result = NULL, *m = NULL, *text = NULL, *type = NULL, *x = NULL, *entry = NULL, *it = NULL;
    PyObject *support = PyDict_New(), *pending = PyList_New(0), *surnames = PyDict_New(), *shorts = PyDict_New(),
             *places = PyList_New(0), *orgs = PyList_New(0);
    int club = 0;
    if (support == NULL || pending == NULL || surnames == NULL || shorts == NULL || places == NULL || orgs == NULL) {
        goto done;
    }
    it = PyObject_GetIter(reporting);
    if (it == NULL) {
        goto done;
    }
    while ((x = PyIter_Next(it)) != NULL) {
        int err = PyDict_SetItem(support, x, self->two);
        Py_CLEAR(x);
        if (err < 0) {
            goto done;
        }
    }
    if (PyErr_Occurred()) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(mentions); i++) {
        m = Py_NewRef(PyList_GET_ITEM(mentions, i));
        text = mget(l, m, M_TEXT);
        if (text == NULL) {
            goto done;
        }
        int has = PySequence_Contains(clubs, text);
        if (has < 0) {
            goto done;
        }
        if (has) {
            club = 1;
        }
        x = mget(l, m, M_CANDIDATES);
        Py_ssize_t n = x ? PyObject_Length(x) : -1;
        Py_CLEAR(x);
        if (n < 0) {
            goto done;
        }
        if (n > 1) {
            if (PyList_Append(pending, m) < 0) {
                goto done;
            }
            goto next;
        }
        type = mget(l, m, M_TYPE);
        int is = type ? PyObject_RichCompareBool(type, s_place, Py_EQ) : -1;
        if (is < 0) {
            goto done;
        }
        if (is) {
            x = mget(l, m, M_COUNTRY);
            int truth = x ? PyObject_IsTrue(x) : -1;
            if (truth < 0) {
                goto done;
            }
            if (truth) {
                entry = mget(l, m, M_ENTRY);
                if (entry == NULL) {
                    goto done;
                }
                int whole = 1; /* entry is None or entry.kind != "country" */
                if (entry != Py_None) {
                    PyObject *kind = PyObject_GetAttr(entry, s_kind);
                    whole = kind ? PyObject_RichCompareBool(kind, s_country, Py_NE) : -1;
                    Py_XDECREF(kind);
                    if (whole < 0) {
                        goto done;
                    }
                }
                PyObject *old = PyDict_GetItemWithError(support, x);
                if (old == NULL && PyErr_Occurred()) {
                    goto done;
                }
                PyObject *sum = PyNumber_Add(old ? old : self->nothing, whole ? self->full : self->half);
                if (sum == NULL || PyDict_SetItem(support, x, sum) < 0) {
                    Py_XDECREF(sum);
                    goto done;
                }
                Py_DECREF(sum);
                Py_CLEAR(entry);
            }
            Py_CLEAR(x);
            is = PyObject_RichCompareBool(text, s_washington, Py_EQ);
            if (is < 0) {
                goto done;
            }
            if (is) {
                if (PyList_Append(pending, m) < 0) {
                    goto done;
                }
                goto next;
            }
            has = PySequence_Contains(text, s_space);
            if (has < 0 || (!has && PyList_Append(places, m) < 0)) {
                goto done;
            }
            goto next;
        }
        is = PyObject_RichCompareBool(text, s_washington, Py_EQ);
        if (is < 0) {
            goto done;
        }
        if (is) {
            if (PyList_Append(pending, m) < 0) {
                goto done;
            }
            goto next;
        }
        is = PyObject_RichCompareBool(type, s_person, Py_EQ);
        if (is < 0) {
            goto done;
        }
        if (is) {
            x = mget(l, m, M_NAME);
            has = x ? PySequence_Contains(x, s_space) : -1;
            if (has < 0) {
                goto done;
            }
            if (!has) {
                goto next;
            }
            PyObject *keys = cached_keys(person_keys, person_keys_of, x);
            int err = keys ? set_keys(surnames, keys, m) : -1;
            Py_XDECREF(keys);
            if (err < 0) {
                goto done;
            }
            entry = mget(l, m, M_ENTRY);
            if (entry == NULL) {
                goto done;
            }
            if (entry != Py_None) {
                PyObject *forms = PyObject_GetAttr(entry, s_short);
                err = forms ? set_keys(surnames, forms, m) : -1;
                Py_XDECREF(forms);
                if (err < 0) {
                    goto done;
                }
            }
            goto next;
        }
        is = PyObject_RichCompareBool(type, s_organization, Py_EQ);
        if (is < 0) {
            goto done;
        }
        if (is) {
            entry = mget(l, m, M_ENTRY);
            if (entry == NULL) {
                goto done;
            }
            if (entry == Py_None) {
                if (PyList_Append(orgs, m) < 0) {
                    goto done;
                }
                x = mget(l, m, M_NAME);
                has = x ? PySequence_Contains(x, s_space) : -1;
                if (has < 0) {
                    goto done;
                }
                if (has) {
                    PyObject *keys = cached_keys(org_keys, org_keys_of, x);
                    int err = keys ? set_keys(shorts, keys, m) : -1;
                    Py_XDECREF(keys);
                    if (err < 0) {
                        goto done;
                    }
                }
            }
        }
    next:
        Py_CLEAR(x);
        Py_CLEAR(entry);
        Py_CLEAR(type);
        Py_CLEAR(text);
        Py_CLEAR(m);
    }
    result = PyTuple_Pack(7, support, pending, surnames, shorts, places, orgs, club ? Py_True : Py_False);
done:
    Py_XDECREF(it);
    Py_XDECREF(m);
    Py_XDECREF(text);
    Py_XDECREF(type);
    Py_XDECREF(x);
    Py_XDECREF(entry);
    Py_XDECREF(support);
    Py_XDECREF(pending);
    Py_XDECREF(surnames);
    Py_XDECREF(shorts);
    Py_XDECREF(places);
    Py_XDECREF(orgs);
    return result;
}

/* The lone word's key: text.title() if text.isupper() else text */
static PyObject *
lone_key(PyObject *text)
{
    PyObject *upper = PyObject_CallMethodNoArgs(text, s_isupper);
    int is = upper ? PyObject_IsTrue(upper) : -1;
    Py_XDECREF(upper);
    if (is < 0) {
        return NULL;
    }
    return is ? PyObject_CallMethodNoArgs(text, s_title) : Py_NewRef(text);
}

/* d.get(key): a borrowed reference, NULL when missing (and on error, with the exception set) */
static PyObject *
get(PyObject *d, PyObject *key)
{
    return PyDict_Check(d) ? PyDict_GetItemWithError(d, key) : NULL;
}

/* Linker._corefer: link lone surnames and short company names to full names met in the story.
 * `lones` and `mentions` are the story state's; the other arguments as there. */
static PyObject *
Assembler_corefer(Assembler *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "corefer(lones, mentions, surnames, shorts, places, orgs, locative_before)");
        return NULL;
    }
    PyObject *lones = args[0], *mentions = args[1], *surnames = args[2], *shorts = args[3], *places = args[4],
             *orgs = args[5], *locative_before = args[6];
    const Layout *l = &self->ml;
    if (!PyList_Check(lones) || !PyList_Check(mentions) || !PyDict_Check(surnames) || !PyDict_Check(shorts)
        || !PyList_Check(places) || !PyList_Check(orgs)) {
        PyErr_SetString(PyExc_TypeError, "corefer: lists and dicts as Linker._corefer takes them");
        return NULL;
    }
    if (PyDict_GET_SIZE(surnames) == 0 && PyDict_GET_SIZE(shorts) == 0) {
        Py_RETURN_NONE;
    }
    PyObject *lone = NULL, *key = NULL, *m = NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(lones); i++) {
        lone = Py_NewRef(PyList_GET_ITEM(lones, i));
        if (!PyTuple_Check(lone) || PyTuple_GET_SIZE(lone) != 5) {
            PyErr_SetString(PyExc_ValueError, "a lone word is a 5-item tuple");
            goto fail;
        }
        PyObject *text = PyTuple_GET_ITEM(lone, 4);
        key = lone_key(text);
        if (key == NULL) {
            goto fail;
        }
        PyObject *method;
        PyObject *target = get(surnames, key);
        if (target != NULL) {
            int spaced = PySequence_Contains(text, s_space);
            if (spaced < 0) {
                goto fail;
            }
            method = spaced ? s_name_coreference : s_surname_coreference;
        }
        else {
            if (PyErr_Occurred()) {
                goto fail;
            }
            target = get(shorts, key);
            if (target == NULL) {
                if (PyErr_Occurred()) {
                    goto fail;
                }
                Py_CLEAR(key);
                Py_CLEAR(lone);
                continue;
            }
            method = s_short_name_coreference;
        }
        Py_INCREF(target);
        PyObject *v[5] = {mget(l, target, M_TYPE), mget(l, target, M_ID), mget(l, target, M_NAME),
                          mget(l, target, M_COUNTRY), mget(l, target, M_ENTRY)};
        Py_DECREF(target);
        PyObject *methods = one_method(method);
        if (v[0] == NULL || v[1] == NULL || v[2] == NULL || v[3] == NULL || v[4] == NULL || methods == NULL) {
            for (int j = 0; j < 5; j++) {
                Py_XDECREF(v[j]);
            }
            Py_XDECREF(methods);
            goto fail;
        }
        PyObject *values[M_COUNT] = {
            PyTuple_GET_ITEM(lone, 0), PyTuple_GET_ITEM(lone, 1), PyTuple_GET_ITEM(lone, 2), PyTuple_GET_ITEM(lone, 3),
            text, v[0], v[1], v[2], v[3], methods, v[4], empty_tuple, empty_str,
        };
        m = new_mention(l, values);
        for (int j = 0; j < 5; j++) {
            Py_DECREF(v[j]);
        }
        if (m == NULL || PyList_Append(mentions, m) < 0
            || (method == s_short_name_coreference && PyList_Append(orgs, m) < 0)) {
            goto fail;
        }
        Py_CLEAR(m);
        Py_CLEAR(key);
        Py_CLEAR(lone);
    }
    if (PyDict_GET_SIZE(surnames)) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(places); i++) {
            m = Py_NewRef(PyList_GET_ITEM(places, i));
            key = mget(l, m, M_TEXT);
            PyObject *target = key ? get(surnames, key) : NULL;
            if (target == NULL || target == m) {
                if (PyErr_Occurred()) {
                    goto fail;
                }
                Py_CLEAR(key);
                Py_CLEAR(m);
                continue;
            }
            Py_INCREF(target);
            /* A one-word place that is also a person's surname in this story reads as the
             * person unless a preposition makes it a location ("Lima would train" vs "in Lima"). */
            PyObject *before = PyObject_GetAttr(m, s_before);
            PyObject *loc = before ? PyObject_CallOneArg(locative_before, before) : NULL;
            Py_XDECREF(before);
            int located = loc ? PyObject_IsTrue(loc) : -1;
            Py_XDECREF(loc);
            int err = located < 0;
            if (located == 0) {
                PyObject *names[5] = {s_id, s_name, s_country, s_entry, NULL};
                PyObject *v[4] = {PyObject_GetAttr(target, s_id), PyObject_GetAttr(target, s_name),
                                  PyObject_GetAttr(target, s_country), PyObject_GetAttr(target, s_entry)};
                PyObject *methods = one_method(s_surname_coreference);
                err = v[0] == NULL || v[1] == NULL || v[2] == NULL || v[3] == NULL || methods == NULL
                      || PyObject_SetAttr(m, s_type, s_person) < 0;
                for (int j = 0; j < 4; j++) {
                    err = err || PyObject_SetAttr(m, names[j], v[j]) < 0;
                }
                err = err || PyObject_SetAttr(m, s_methods, methods) < 0;
                for (int j = 0; j < 4; j++) {
                    Py_XDECREF(v[j]);
                }
                Py_XDECREF(methods);
            }
            Py_DECREF(target);
            if (err) {
                goto fail;
            }
            Py_CLEAR(key);
            Py_CLEAR(m);
        }
    }
    if (PyDict_GET_SIZE(shorts)) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(orgs); i++) {
            m = Py_NewRef(PyList_GET_ITEM(orgs, i));
            key = mget(l, m, M_NAME);
            PyObject *target = key ? get(shorts, key) : NULL;
            if (target == NULL || target == m) {
                if (PyErr_Occurred()) {
                    goto fail;
                }
                Py_CLEAR(key);
                Py_CLEAR(m);
                continue;
            }
            Py_INCREF(target);
            PyObject *id = PyObject_GetAttr(target, s_id);
            PyObject *name = id ? PyObject_GetAttr(target, s_name) : NULL;
            int err = name == NULL || PyObject_SetAttr(m, s_id, id) < 0 || PyObject_SetAttr(m, s_name, name) < 0;
            Py_XDECREF(id);
            Py_XDECREF(name);
            Py_DECREF(target);
            if (!err) {
                PyObject *methods = PyObject_GetAttr(m, s_methods);
                err = methods == NULL || append(methods, s_short_name_coreference) < 0;
                Py_XDECREF(methods);
            }
            if (err) {
                goto fail;
            }
            Py_CLEAR(key);
            Py_CLEAR(m);
        }
    }
    Py_RETURN_NONE;
fail:
    Py_XDECREF(lone);
    Py_XDECREF(key);
    Py_XDECREF(m);
    return NULL;
}

static PyObject *
Assembler_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"mention", "confidence", "entity", "in_headline", "in_lead", "in_body", "add", NULL};
    PyObject *mention, *confidence, *entity, *in_headline, *in_lead, *in_body, *add;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "$OO!O!O!O!O!O:Assembler", kwlist, &mention, &PyDict_Type,
                                     &confidence, &PyDict_Type, &entity, &PyDict_Type, &in_headline, &PyDict_Type,
                                     &in_lead, &PyDict_Type, &in_body, &add)) {
        return NULL;
    }
    Assembler *self = (Assembler *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    if (layout_init(&self->ml, mention) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    self->fallback = PyFloat_FromDouble(0.7);
    self->nothing = PyFloat_FromDouble(0.0);
    self->two = PyFloat_FromDouble(2.0);
    self->full = PyFloat_FromDouble(1.0);
    self->half = PyFloat_FromDouble(0.5);
    if (self->fallback == NULL || self->nothing == NULL || self->two == NULL || self->full == NULL
        || self->half == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    self->confidence = Py_NewRef(confidence);
    self->entity = Py_NewRef(entity);
    self->in_headline = Py_NewRef(in_headline);
    self->in_lead = Py_NewRef(in_lead);
    self->in_body = Py_NewRef(in_body);
    self->add = Py_NewRef(add);
    return (PyObject *)self;
}

static void
Assembler_dealloc(Assembler *self)
{
    Py_XDECREF(self->ml.type);
    Py_XDECREF(self->confidence);
    Py_XDECREF(self->fallback);
    Py_XDECREF(self->nothing);
    Py_XDECREF(self->two);
    Py_XDECREF(self->full);
    Py_XDECREF(self->half);
    Py_XDECREF(self->entity);
    Py_XDECREF(self->in_headline);
    Py_XDECREF(self->in_lead);
    Py_XDECREF(self->in_body);
    Py_XDECREF(self->add);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Assembler_methods[] = {
    {"entities", (PyCFunction)(void (*)(void))Assembler_entities, METH_FASTCALL,
     "link._entities: the entity list of assemble, or None (see link.py)."},
    {"gather", (PyCFunction)(void (*)(void))Assembler_gather, METH_FASTCALL,
     "link._gather: the pass of Linker.link over the story mentions."},
    {"corefer", (PyCFunction)(void (*)(void))Assembler_corefer, METH_FASTCALL,
     "Linker._corefer: lone surnames and short company names linked to full names."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject AssemblerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "ingest.tag._entities.Assembler",
    .tp_basicsize = sizeof(Assembler),
    .tp_dealloc = (destructor)Assembler_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The per-story loops of ingest.tag.link: Linker.link's pass over the mentions, _entities.",
    .tp_methods = Assembler_methods,
    .tp_new = Assembler_new,
};

/* ------------------------------------------------------------------ module */

static struct PyModuleDef entities_module = {
    PyModuleDef_HEAD_INIT, .m_name = "ingest.tag._entities",
    .m_doc = "The entity tagger's per-story loops in C (see ingest.tag.find and ingest.tag.link).",
    .m_size = -1,
};

static int
intern(PyObject **slot, const char *s)
{
    *slot = PyUnicode_InternFromString(s);
    return *slot == NULL ? -1 : 0;
}

PyMODINIT_FUNC
PyInit__entities(void)
{
    if (intern(&s_field, "field") || intern(&s_paragraph, "paragraph") || intern(&s_start, "start")
        || intern(&s_end, "end") || intern(&s_text, "text") || intern(&s_type, "type") || intern(&s_id, "id")
        || intern(&s_name, "name") || intern(&s_country, "country") || intern(&s_aliases, "aliases")
        || intern(&s_surface_forms, "surface_forms") || intern(&s_mentions, "mentions")
        || intern(&s_spans, "spans") || intern(&s_salience, "salience") || intern(&s_confidence, "confidence")
        || intern(&s_evidence, "evidence") || intern(&s_headline, "headline") || intern(&s_lead, "lead")
        || intern(&s_body, "body") || intern(&s_dateline, "dateline") || intern(&s_person, "person")
        || intern(&s_demonym, "demonym") || intern(&s_catalogue_alias, "catalogue alias")
        || intern(&s_read_run, "_read_run") || intern(&s_lones, "lones")
        || intern(&s_washington, "Washington") || intern(&s_space, " ") || intern(&s_kind, "kind")
        || intern(&s_short, "short") || intern(&s_place, "place") || intern(&s_organization, "organization")
        || intern(&s_role_preposition, "role preposition") || intern(&s_said_cue, "said cue")
        || intern(&s_appositive, "appositive") || intern(&s_title_cue, "title cue")
        || intern(&s_given_name, "given name") || intern(&s_reuters, "Reuters") || intern(&s_the, "the")
        || intern(&s_according, "according") || intern(&s_to, "to") || intern(&s_lower, "lower")
        || intern(&s_strip, "strip") || intern(&s_rstrip, "rstrip") || intern(&s_match, "match")
        || intern(&s_comma, ",") || intern(&s_isupper, "isupper") || intern(&s_title, "title")
        || intern(&s_and, " and ")
        || intern(&s_name_coreference, "name coreference")
        || intern(&s_surname_coreference, "surname coreference")
        || intern(&s_short_name_coreference, "short name coreference") || intern(&s_before, "before")
        || intern(&s_methods, "methods") || intern(&s_entry, "entry")
        || intern(&empty_str, "")) {
        return NULL;
    }
    empty_tuple = PyTuple_New(0);
    zero = PyLong_FromLong(0);
    one = PyLong_FromLong(1);
    if (empty_tuple == NULL || zero == NULL || one == NULL) {
        return NULL;
    }
    if (PyType_Ready(&ScannerType) < 0 || PyType_Ready(&AssemblerType) < 0) {
        return NULL;
    }
    PyObject *mod = PyModule_Create(&entities_module);
    if (mod == NULL) {
        return NULL;
    }
    if (PyModule_AddObjectRef(mod, "Scanner", (PyObject *)&ScannerType) < 0
        || PyModule_AddObjectRef(mod, "Assembler", (PyObject *)&AssemblerType) < 0) {
        Py_DECREF(mod);
        return NULL;
    }
    return mod;
}
