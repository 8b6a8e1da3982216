/* The per-story work of ingest.tag.topics.TopicMatcher.tag in C: the match loop, exclusions,
 * raw scores, kept codes, ancestor pools, evidence, rows and the output dicts.
 *
 * The Python side folds the text and runs the pyahocorasick automaton; `Scorer.tag` takes the
 * automaton's iterator, whose values are key indexes into the table given to `Scorer(...)`.
 * The output must equal the pure-Python scorer's byte for byte, so every float is computed by
 * the same IEEE operations in the same order as topics.py (sums in text order, `value / n` for
 * the n-th repeat of a term, the same comparisons), and scores are rounded by Python's own
 * `round`. Code and term ids are their ranks in string order, so comparing ids compares the
 * strings as Python's sorts do.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if PY_VERSION_HEX >= 0x030C0000
#define READY(o) 0 /* every str is ready since 3.12 */
#else
#define READY(o) PyUnicode_READY(o)
#endif

/* pattern kinds, as in topics.py: plain, plain after a nested key, conditional ones */
enum { K_PLAIN, K_NESTS, K_HEADLINE, K_CASED, K_EXCLUDE, K_COUNT };

typedef struct {
    Py_ssize_t start;
    double value;
    Py_ssize_t term;
} Hit;

typedef struct {
    Hit *hits;
    Py_ssize_t n, cap;
} HitList;

typedef struct {
    Py_ssize_t code, term, values; /* values: offset into Scorer.values */
    int kind;
} Pattern;

typedef struct {
    Py_ssize_t off, first, count; /* off: key length - 1; patterns [first, first + count) */
} Key;

typedef struct {
    Py_ssize_t code, start, end;
} Exclusion;

/* a hit offered to an ancestor's pool: `seq` keeps the order of the Python dict operations */
typedef struct {
    Py_ssize_t start, seq, term;
    double value;
    int overwrite;
} PoolEntry;

typedef struct {
    Py_ssize_t term;
    double value;
} TermValue;

typedef struct {
    double neg; /* -value */
    int inferred;
    long neglevel;
    Py_ssize_t code;
    PyObject *evidence;
} Row;

typedef struct {
    Py_ssize_t node, n;
    Py_ssize_t *codes; /* kept codes below it, in kept order */
} Below;

typedef struct {
    PyObject_HEAD
    /* the table */
    Py_ssize_t ncodes, nterms, nkeys, nfactors, max_explicit, scores_cached, max_depth;
    PyObject *codes, *labels, *vias, *terms; /* tuples of str, by id */
    PyObject *scores;                        /* rounded score by -value */
    PyObject *round;                         /* builtins.round */
    PyObject *four;
    long *level;
    double *minimum;
    char *steady;
    Py_ssize_t *anc_first, *anc_count, *ancestors;
    Key *keys;
    Pattern *patterns;
    double *values;
    double relative_min, scale;
    /* per-story scratch, reused */
    int busy;
    HitList *lists;
    char *unordered, *has_raw, *excluded_mark;
    double *raw;
    Py_ssize_t *touched, ntouched;
    Exclusion *excl;
    Py_ssize_t nexcl, excl_cap;
    unsigned long gen, *stamp; /* a term's slot is live when stamp[term] == gen */
    Py_ssize_t *count; /* a term's repeats so far, or its evidence slot */
    PoolEntry *pool;
    Py_ssize_t pool_cap;
    TermValue *tv;
    Py_ssize_t *kept, *sorted_codes;
    Below *below;
    Py_ssize_t *below_codes;
    Row *rows;
} Scorer;

static PyObject *k_code, *k_label, *k_score, *k_rank, *k_inferred, *k_evidence;

/* ------------------------------------------------------------------ growth helpers */

static int
grow(void **buf, Py_ssize_t *cap, Py_ssize_t need, size_t size)
{
    if (need <= *cap) {
        return 0;
    }
    Py_ssize_t cap2 = *cap ? *cap : 8;
    while (cap2 < need) {
        if (cap2 > PY_SSIZE_T_MAX / 2 / (Py_ssize_t)size) {
            PyErr_NoMemory();
            return -1;
        }
        cap2 *= 2;
    }
    void *p = PyMem_Realloc(*buf, (size_t)cap2 * size);
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *buf = p;
    *cap = cap2;
    return 0;
}

static int
append_hit(Scorer *s, Py_ssize_t code, Py_ssize_t start, Py_ssize_t term, double value)
{
    HitList *l = &s->lists[code];
    if (l->n == 0) {
        s->touched[s->ntouched++] = code; /* the Python dict's insertion order */
    }
    if (l->n == l->cap && grow((void **)&l->hits, &l->cap, l->n + 1, sizeof(Hit)) < 0) {
        return -1;
    }
    Hit *h = &l->hits[l->n++];
    h->start = start;
    h->value = value;
    h->term = term;
    return 0;
}

/* text[start:start + len(term)] == term */
static int
cased_match(PyObject *text, Py_ssize_t start, PyObject *term)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(term);
    if (start < 0 || start > PyUnicode_GET_LENGTH(text) - n) {
        return 0;
    }
    int tk = PyUnicode_KIND(text), mk = PyUnicode_KIND(term);
    const void *td = PyUnicode_DATA(text), *md = PyUnicode_DATA(term);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyUnicode_READ(tk, td, start + i) != PyUnicode_READ(mk, md, i)) {
            return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------------ sort orders */

/* kept codes: best raw first, a tie by code (`sorted(sorted(c), key=raw, reverse=True)`) */
static double *sort_raw;

static int
cmp_kept(const void *a, const void *b)
{
    Py_ssize_t x = *(const Py_ssize_t *)a, y = *(const Py_ssize_t *)b;
    if (sort_raw[x] > sort_raw[y]) {
        return -1;
    }
    if (sort_raw[x] < sort_raw[y]) {
        return 1;
    }
    return x < y ? -1 : x > y;
}

static int
cmp_ids(const void *a, const void *b)
{
    Py_ssize_t x = *(const Py_ssize_t *)a, y = *(const Py_ssize_t *)b;
    return x < y ? -1 : x > y;
}

/* evidence terms: strongest first, a tie by term */
static int
cmp_terms(const void *a, const void *b)
{
    const TermValue *x = a, *y = b;
    if (x->value > y->value) {
        return -1;
    }
    if (x->value < y->value) {
        return 1;
    }
    return x->term < y->term ? -1 : x->term > y->term;
}

static int
cmp_pool(const void *a, const void *b)
{
    const PoolEntry *x = a, *y = b;
    if (x->start != y->start) {
        return x->start < y->start ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* rows as the tuples (-value, inferred, -level, code, evidence) compare; codes are distinct
 * among the rows (each node once, each kept code once unless it is a node), so a comparison
 * never reaches the evidence lists */
static int
cmp_rows(const void *a, const void *b)
{
    const Row *x = a, *y = b;
    if (x->neg != y->neg) {
        return x->neg < y->neg ? -1 : 1;
    }
    if (x->inferred != y->inferred) {
        return x->inferred < y->inferred ? -1 : 1;
    }
    if (x->neglevel != y->neglevel) {
        return x->neglevel < y->neglevel ? -1 : 1;
    }
    return x->code < y->code ? -1 : x->code > y->code;
}

/* Sorts of a few items (a story's kept codes, rows, a code's terms, most pools) by insertion:
 * glibc's qsort is a merge sort through a comparator pointer, 5% of a story's instructions
 * (callgrind). Every order here is total (no two items compare equal), so the algorithm does
 * not change the result. */
#define DEFINE_SORT(name, T, cmp, small)                                                                \
    static void name(T *base, Py_ssize_t n)                                                             \
    {                                                                                                   \
        if (n > small) {                                                                                \
            qsort(base, (size_t)n, sizeof(T), cmp);                                                     \
            return;                                                                                     \
        }                                                                                               \
        for (Py_ssize_t i = 1; i < n; i++) {                                                            \
            T x = base[i];                                                                              \
            Py_ssize_t j = i;                                                                           \
            for (; j > 0 && cmp(&x, &base[j - 1]) < 0; j--) {                                           \
                base[j] = base[j - 1];                                                                  \
            }                                                                                           \
            base[j] = x;                                                                                \
        }                                                                                               \
    }

DEFINE_SORT(sort_kept, Py_ssize_t, cmp_kept, 24)
DEFINE_SORT(sort_ids, Py_ssize_t, cmp_ids, 24)
DEFINE_SORT(sort_terms, TermValue, cmp_terms, 24)
/* a pool is a few runs already in start order (each code's hits): few moves each */
DEFINE_SORT(sort_pool, PoolEntry, cmp_pool, 256)
DEFINE_SORT(sort_rows, Row, cmp_rows, 24)

/* ------------------------------------------------------------------ scoring pieces */

/* `_raw` over the hits of one code: the sum in text order, the n-th repeat of a term 1/n */
static double
raw_of(Scorer *s, const Hit *hits, Py_ssize_t n)
{
    s->gen++;
    double total = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t t = hits[i].term;
        if (s->stamp[t] != s->gen) {
            s->stamp[t] = s->gen;
            s->count[t] = 1;
            total += hits[i].value;
        }
        else {
            s->count[t] += 1;
            total += hits[i].value / (double)s->count[t];
        }
    }
    return total;
}

static int
pool_add(Scorer *s, Py_ssize_t *n, const HitList *l, int overwrite)
{
    if (grow((void **)&s->pool, &s->pool_cap, *n + l->n, sizeof(PoolEntry)) < 0) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < l->n; i++) {
        PoolEntry *e = &s->pool[*n];
        e->start = l->hits[i].start;
        e->seq = *n;
        e->term = l->hits[i].term;
        e->value = l->hits[i].value;
        e->overwrite = overwrite;
        (*n)++;
    }
    return 0;
}

/* `_pooled`: `_raw` of the distinct hits (by start) of `codes`, at one start the first of the
 * highest value, except that an ordered first code's later hit and an `own` hit replace */
static int
pooled(Scorer *s, const Py_ssize_t *codes, Py_ssize_t ncodes, Py_ssize_t own, double *out)
{
    Py_ssize_t n = 0;
    if (pool_add(s, &n, &s->lists[codes[0]], !s->unordered[codes[0]]) < 0) {
        return -1;
    }
    for (Py_ssize_t i = 1; i < ncodes; i++) {
        if (pool_add(s, &n, &s->lists[codes[i]], 0) < 0) {
            return -1;
        }
    }
    if (own >= 0 && pool_add(s, &n, &s->lists[own], 1) < 0) {
        return -1;
    }
    sort_pool(s->pool, n);
    s->gen++;
    double total = 0.0;
    Py_ssize_t i = 0;
    while (i < n) {
        const PoolEntry *cur = &s->pool[i];
        Py_ssize_t j = i + 1;
        for (; j < n && s->pool[j].start == cur->start; j++) {
            if (s->pool[j].overwrite || s->pool[j].value > cur->value) {
                cur = &s->pool[j];
            }
        }
        Py_ssize_t t = cur->term;
        if (s->stamp[t] != s->gen) {
            s->stamp[t] = s->gen;
            s->count[t] = 1;
            total += cur->value;
        }
        else {
            s->count[t] += 1;
            total += cur->value / (double)s->count[t];
        }
        i = j;
    }
    *out = total;
    return 0;
}

/* append the evidence terms of `code` to `list`: `evidence_of` in topics.py */
static int
add_evidence(Scorer *s, PyObject *list, Py_ssize_t code)
{
    const HitList *l = &s->lists[code];
    Py_ssize_t nt = 0;
    s->gen++;
    if (l->n >= 3 && s->steady[code] && !s->unordered[code]) {
        /* a steady code's strongest hit of a term is its first, which `_raw` noted */
        for (Py_ssize_t i = 0; i < l->n; i++) {
            Py_ssize_t t = l->hits[i].term;
            if (s->stamp[t] != s->gen) {
                s->stamp[t] = s->gen;
                s->tv[nt].term = t;
                s->tv[nt].value = l->hits[i].value;
                nt++;
            }
        }
    }
    else {
        /* `_terms`: each term's best value, a term kept once its value is above 0 */
        for (Py_ssize_t i = 0; i < l->n; i++) {
            Py_ssize_t t = l->hits[i].term;
            double v = l->hits[i].value;
            if (s->stamp[t] != s->gen) {
                if (v > 0.0) {
                    s->stamp[t] = s->gen;
                    s->count[t] = nt; /* its slot */
                    s->tv[nt].term = t;
                    s->tv[nt].value = v;
                    nt++;
                }
            }
            else if (v > s->tv[s->count[t]].value) {
                s->tv[s->count[t]].value = v;
            }
        }
    }
    if (nt > 1) {
        sort_terms(s->tv, nt);
    }
    for (Py_ssize_t i = 0; i < nt; i++) {
        if (PyList_Append(list, PyTuple_GET_ITEM(s->terms, s->tv[i].term)) < 0) {
            return -1;
        }
    }
    return 0;
}

/* a new list of the "ancestor of" strings of `codes`, sorted by code */
static PyObject *
via_list(Scorer *s, const Py_ssize_t *codes, Py_ssize_t n)
{
    memcpy(s->sorted_codes, codes, (size_t)n * sizeof(Py_ssize_t));
    if (n > 1) {
        sort_ids(s->sorted_codes, n);
    }
    PyObject *list = PyList_New(n);
    if (list == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *via = PyTuple_GET_ITEM(s->vias, s->sorted_codes[i]);
        Py_INCREF(via);
        PyList_SET_ITEM(list, i, via);
    }
    return list;
}

/* the rounded score of a row: round(1.0 - exp(value / SCALE), 4), cached by value */
static PyObject *
score_of(Scorer *s, double neg)
{
    PyObject *key = PyFloat_FromDouble(neg);
    if (key == NULL) {
        return NULL;
    }
    PyObject *rounded = PyDict_GetItemWithError(s->scores, key);
    if (rounded != NULL) {
        Py_DECREF(key);
        Py_INCREF(rounded);
        return rounded;
    }
    if (PyErr_Occurred()) {
        Py_DECREF(key);
        return NULL;
    }
    PyObject *x = PyFloat_FromDouble(1.0 - exp(neg / s->scale));
    if (x == NULL) {
        Py_DECREF(key);
        return NULL;
    }
    PyObject *args[2] = {x, s->four};
    rounded = PyObject_Vectorcall(s->round, args, 2, NULL);
    Py_DECREF(x);
    if (rounded == NULL || PyDict_SetItem(s->scores, key, rounded) < 0) {
        Py_DECREF(key);
        Py_XDECREF(rounded);
        return NULL;
    }
    Py_DECREF(key);
    return rounded;
}

static PyObject *
topic_dict(Scorer *s, const Row *row, Py_ssize_t rank)
{
    PyObject *d = PyDict_New();
    if (d == NULL) {
        return NULL;
    }
    PyObject *score = score_of(s, row->neg);
    PyObject *r = score ? PyLong_FromSsize_t(rank) : NULL;
    if (r == NULL
        || PyDict_SetItem(d, k_code, PyTuple_GET_ITEM(s->codes, row->code)) < 0
        || PyDict_SetItem(d, k_label, PyTuple_GET_ITEM(s->labels, row->code)) < 0
        || PyDict_SetItem(d, k_score, score) < 0
        || PyDict_SetItem(d, k_rank, r) < 0
        || PyDict_SetItem(d, k_inferred, row->inferred ? Py_True : Py_False) < 0
        || PyDict_SetItem(d, k_evidence, row->evidence) < 0) {
        Py_XDECREF(score);
        Py_XDECREF(r);
        Py_DECREF(d);
        return NULL;
    }
    Py_DECREF(score);
    Py_DECREF(r);
    return d;
}

/* ------------------------------------------------------------------ Scorer.tag */

static int
scan(Scorer *s, PyObject *matches, PyObject *text, PyObject *parts)
{
    Py_ssize_t nparts = PyTuple_GET_SIZE(parts);
    Py_ssize_t later = s->nfactors - 1;
    Py_ssize_t index = 0, at = 0;
    /* the last folded index of part `index`: its closing pad space */
    Py_ssize_t limit = PyUnicode_GET_LENGTH(PyTuple_GET_ITEM(parts, 0)) + 1;
    PyObject *it = PyObject_GetIter(matches);
    if (it == NULL) {
        return -1;
    }
    PyObject *item;
    while ((item = PyIter_Next(it)) != NULL) {
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
            Py_DECREF(item);
            PyErr_SetString(PyExc_TypeError, "matches must be (end, key index) pairs");
            goto fail;
        }
        Py_ssize_t end = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 0));
        Py_ssize_t k = end == -1 && PyErr_Occurred() ? -1 : PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 1));
        Py_DECREF(item);
        if (k == -1 && PyErr_Occurred()) {
            goto fail;
        }
        if (k < 0 || k >= s->nkeys || end < 0) {
            PyErr_SetString(PyExc_ValueError, "match out of the table");
            goto fail;
        }
        if (end > limit) {
            while (end > limit) {
                if (++index >= nparts) {
                    PyErr_SetString(PyExc_ValueError, "match beyond the parts");
                    goto fail;
                }
                limit += PyUnicode_GET_LENGTH(PyTuple_GET_ITEM(parts, index)) + 3;
            }
            at = index < later ? index : later;
        }
        const Key *key = &s->keys[k];
        Py_ssize_t start = end - key->off;
        for (Py_ssize_t p = key->first; p < key->first + key->count; p++) {
            const Pattern *pat = &s->patterns[p];
            double value = s->values[pat->values + at];
            switch (pat->kind) {
            case K_PLAIN:
                if (append_hit(s, pat->code, start, pat->term, value) < 0) {
                    goto fail;
                }
                continue;
            case K_EXCLUDE:
                if (s->nexcl == s->excl_cap
                    && grow((void **)&s->excl, &s->excl_cap, s->nexcl + 1, sizeof(Exclusion)) < 0) {
                    goto fail;
                }
                s->excl[s->nexcl].code = pat->code;
                s->excl[s->nexcl].start = start;
                s->excl[s->nexcl].end = end + 1;
                s->nexcl++;
                continue;
            case K_HEADLINE:
                if (index) {
                    continue;
                }
                break;
            case K_CASED:
                if (!cased_match(text, start, PyTuple_GET_ITEM(s->terms, pat->term))) {
                    continue;
                }
                break;
            default:
                break;
            }
            HitList *l = &s->lists[pat->code];
            if (l->n == 0 || l->hits[l->n - 1].start < start) {
                if (append_hit(s, pat->code, start, pat->term, value) < 0) {
                    goto fail;
                }
            }
            else if (l->hits[l->n - 1].start != start) {
                s->unordered[pat->code] = 1;
                if (append_hit(s, pat->code, start, pat->term, value) < 0) {
                    goto fail;
                }
            }
            else if (value > l->hits[l->n - 1].value) {
                /* nested terms of one rule at one place ("oil", "oil prices") are one mention */
                l->hits[l->n - 1].term = pat->term;
                l->hits[l->n - 1].value = value;
            }
        }
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : 0;
fail:
    Py_DECREF(it);
    return -1;
}

static void
apply_exclusions(Scorer *s)
{
    for (Py_ssize_t e = 0; e < s->nexcl; e++) {
        if (s->lists[s->excl[e].code].n) {
            s->excluded_mark[s->excl[e].code] = 1;
        }
    }
    for (Py_ssize_t e = 0; e < s->nexcl; e++) {
        Py_ssize_t code = s->excl[e].code;
        if (!s->excluded_mark[code]) {
            continue;
        }
        s->excluded_mark[code] = 0;
        HitList *l = &s->lists[code];
        Py_ssize_t kept = 0;
        for (Py_ssize_t i = 0; i < l->n; i++) {
            int cut = 0;
            for (Py_ssize_t f = 0; f < s->nexcl && !cut; f++) {
                cut = s->excl[f].code == code && s->excl[f].start <= l->hits[i].start
                      && l->hits[i].start < s->excl[f].end;
            }
            if (!cut) {
                l->hits[kept++] = l->hits[i];
            }
        }
        l->n = kept; /* 0: the code is gone */
    }
}

static PyObject *
Scorer_tag(Scorer *s, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "tag(matches, text, parts) takes 3 arguments");
        return NULL;
    }
    PyObject *matches = args[0], *text = args[1], *parts = args[2];
    if (!PyUnicode_Check(text) || READY(text) < 0 || !PyTuple_Check(parts)
        || PyTuple_GET_SIZE(parts) == 0) {
        PyErr_SetString(PyExc_TypeError, "tag: text must be a str and parts a non-empty tuple");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(parts); i++) {
        PyObject *part = PyTuple_GET_ITEM(parts, i);
        if (!PyUnicode_Check(part) || READY(part) < 0) {
            PyErr_SetString(PyExc_TypeError, "tag: parts must be str");
            return NULL;
        }
    }
    if (s->busy) {
        PyErr_SetString(PyExc_RuntimeError, "Scorer.tag is not reentrant");
        return NULL;
    }
    s->busy = 1;
    /* The scratch above is the scorer's own, so no other call may start before this one ends.
       Nothing here runs Python code but a collection that an allocation could start (a finalizer
       may run bytecode, and then another thread may take the GIL and call tag): the collector
       waits until the call returns, which keeps the scorer safe to share between threads. */
    int collecting = PyGC_Disable();
    for (Py_ssize_t i = 0; i < s->ntouched; i++) {
        Py_ssize_t c = s->touched[i];
        s->lists[c].n = 0;
        s->unordered[c] = 0;
        s->has_raw[c] = 0;
    }
    s->ntouched = 0;
    s->nexcl = 0;
    Py_ssize_t nrows = 0;
    PyObject *out = NULL;

    if (scan(s, matches, text, parts) < 0) {
        goto done;
    }
    if (s->nexcl) {
        apply_exclusions(s);
    }

    /* raw scores; most codes have a stray hit or two, which the plain sum rules out */
    Py_ssize_t npassed = 0;
    double best = 0.0;
    for (Py_ssize_t i = 0; i < s->ntouched; i++) {
        Py_ssize_t c = s->touched[i];
        const HitList *l = &s->lists[c];
        double minimum = s->minimum[c], raw;
        if (l->n == 0) {
            continue;
        }
        if (l->n == 1) {
            if (!(l->hits[0].value >= minimum)) {
                continue;
            }
            raw = l->hits[0].value;
        }
        else {
            double v0 = l->hits[0].value, v1 = l->hits[1].value;
            if (v0 + v1 < minimum) {
                if (l->n == 2) {
                    continue;
                }
                double sum = 0.0;
                for (Py_ssize_t h = 0; h < l->n; h++) {
                    sum += l->hits[h].value;
                }
                if (sum < minimum) {
                    continue;
                }
            }
            if (l->n == 2) {
                raw = v0 + (l->hits[1].term == l->hits[0].term ? v1 / 2.0 : v1);
            }
            else {
                raw = raw_of(s, l->hits, l->n);
            }
        }
        s->has_raw[c] = 1;
        s->raw[c] = raw;
        if (raw >= minimum) {
            /* max() keeps the first of equal values: the value is the same */
            if (npassed == 0 || raw > best) {
                best = raw;
            }
            npassed++;
        }
    }
    if (npassed == 0) {
        out = PyList_New(0);
        goto done;
    }
    double floor = s->relative_min * best;
    Py_ssize_t nkept = 0;
    for (Py_ssize_t i = 0; i < s->ntouched; i++) {
        Py_ssize_t c = s->touched[i];
        if (s->has_raw[c] && s->raw[c] >= s->minimum[c] && s->raw[c] >= floor) {
            s->kept[nkept++] = c;
        }
    }
    sort_raw = s->raw;
    sort_kept(s->kept, nkept);
    if (nkept > s->max_explicit) {
        nkept = s->max_explicit;
    }

    /* the kept codes below each ancestor, in kept order */
    Py_ssize_t nbelow = 0;
    for (Py_ssize_t i = 0; i < nkept; i++) {
        Py_ssize_t c = s->kept[i];
        for (Py_ssize_t a = 0; a < s->anc_count[c]; a++) {
            Py_ssize_t node = s->ancestors[s->anc_first[c] + a], b = 0;
            while (b < nbelow && s->below[b].node != node) {
                b++;
            }
            if (b == nbelow) {
                s->below[b].node = node;
                s->below[b].n = 0;
                nbelow++;
            }
            s->below[b].codes[s->below[b].n++] = c;
        }
    }

    for (Py_ssize_t b = 0; b < nbelow; b++) {
        const Below *bl = &s->below[b];
        Py_ssize_t node = bl->node;
        Row *row = &s->rows[nrows];
        double value;
        row->evidence = via_list(s, bl->codes, bl->n);
        if (row->evidence == NULL) {
            goto done;
        }
        nrows++;
        if (s->has_raw[node]) {
            double pool;
            if (pooled(s, bl->codes, bl->n, node, &pool) < 0 || add_evidence(s, row->evidence, node) < 0) {
                goto done;
            }
            value = s->raw[node];
            if (pool > value) {
                value = pool;
            }
        }
        else if (bl->n == 1 && !s->unordered[bl->codes[0]]) {
            /* the pool is that code's hits, already distinct and in order */
            value = s->raw[bl->codes[0]];
        }
        else if (pooled(s, bl->codes, bl->n, -1, &value) < 0) {
            goto done;
        }
        row->neg = -value;
        row->inferred = 1;
        row->neglevel = -s->level[node];
        row->code = node;
    }
    for (Py_ssize_t i = 0; i < nkept; i++) {
        Py_ssize_t c = s->kept[i], b = 0;
        while (b < nbelow && s->below[b].node != c) {
            b++;
        }
        if (b < nbelow) {
            continue;
        }
        Row *row = &s->rows[nrows];
        row->evidence = PyList_New(0);
        if (row->evidence == NULL) {
            goto done;
        }
        nrows++;
        if (add_evidence(s, row->evidence, c) < 0) {
            goto done;
        }
        row->neg = -s->raw[c];
        row->inferred = 0;
        row->neglevel = -s->level[c];
        row->code = c;
    }
    sort_rows(s->rows, nrows);

    if (PyDict_GET_SIZE(s->scores) > s->scores_cached) {
        PyDict_Clear(s->scores);
    }
    PyObject *list = PyList_New(nrows);
    if (list == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < nrows; i++) {
        PyObject *d = topic_dict(s, &s->rows[i], i + 1);
        if (d == NULL) {
            Py_DECREF(list);
            goto done;
        }
        PyList_SET_ITEM(list, i, d);
    }
    out = list;
done:
    for (Py_ssize_t i = 0; i < nrows; i++) {
        Py_DECREF(s->rows[i].evidence);
    }
    if (collecting) {
        PyGC_Enable();
    }
    s->busy = 0;
    return out;
}

/* ------------------------------------------------------------------ construction */

static void
Scorer_dealloc(Scorer *s)
{
    Py_XDECREF(s->codes);
    Py_XDECREF(s->labels);
    Py_XDECREF(s->vias);
    Py_XDECREF(s->terms);
    Py_XDECREF(s->scores);
    Py_XDECREF(s->round);
    Py_XDECREF(s->four);
    if (s->lists != NULL) {
        for (Py_ssize_t i = 0; i < s->ncodes; i++) {
            PyMem_Free(s->lists[i].hits);
        }
    }
    void *bufs[] = {s->level, s->minimum, s->steady, s->anc_first, s->anc_count, s->ancestors,
                    s->keys, s->patterns, s->values, s->lists, s->unordered, s->has_raw,
                    s->excluded_mark, s->raw, s->touched, s->excl, s->stamp, s->count,
                    s->pool, s->tv, s->kept, s->sorted_codes, s->below, s->below_codes, s->rows};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        PyMem_Free(bufs[i]);
    }
    Py_TYPE(s)->tp_free((PyObject *)s);
}

static void *
alloc(Py_ssize_t n, size_t size)
{
    void *p = PyMem_Calloc(n > 0 ? (size_t)n : 1, size);
    if (p == NULL) {
        PyErr_NoMemory();
    }
    return p;
}

static int
str_tuple(PyObject *t, Py_ssize_t n, const char *what)
{
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != n) {
        PyErr_Format(PyExc_TypeError, "Scorer: %s must be a tuple of %zd str", what, n);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyUnicode_Check(PyTuple_GET_ITEM(t, i))) {
            PyErr_Format(PyExc_TypeError, "Scorer: %s must be a tuple of %zd str", what, n);
            return -1;
        }
    }
    return 0;
}

static Py_ssize_t
index_in(PyObject *o, Py_ssize_t n, const char *what)
{
    Py_ssize_t i = PyLong_AsSsize_t(o);
    if (i == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (i < 0 || i >= n) {
        PyErr_Format(PyExc_ValueError, "Scorer: %s %zd out of range", what, i);
        return -1;
    }
    return i;
}


/* `o` as a fast sequence of `n` items (any length when n < 0), or NULL with TypeError */
static PyObject *
items(PyObject *o, Py_ssize_t n, const char *what)
{
    PyObject *f = PySequence_Fast(o, what);
    if (f != NULL && n >= 0 && PySequence_Fast_GET_SIZE(f) != n) {
        Py_DECREF(f);
        PyErr_SetString(PyExc_TypeError, what);
        return NULL;
    }
    return f;
}

/* the id `ids[o]`, or -1 with an exception */
static Py_ssize_t
id_of(PyObject *ids, PyObject *o, const char *what)
{
    PyObject *id = PyDict_GetItemWithError(ids, o);
    if (id == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_Format(PyExc_ValueError, "Scorer: unknown %s %R", what, o);
        }
        return -1;
    }
    return PyLong_AsSsize_t(id);
}

static int
parse_pattern(Scorer *s, Pattern *pt, PyObject *pat, int special, PyObject *code_ids, PyObject *term_ids,
              PyObject *term_list, PyObject *weight_ids)
{
    static const char *kinds[] = {"", "", "headline", "cased", "exclude"};
    PyObject *f = items(pat, 4, "Scorer: a pattern must be [code, term, weight, nests or kind]");
    if (f == NULL) {
        return -1;
    }
    PyObject **it = PySequence_Fast_ITEMS(f);
    if ((pt->code = id_of(code_ids, it[0], "code")) < 0 || (pt->values = id_of(weight_ids, it[2], "weight")) < 0) {
        goto fail;
    }
    pt->values *= s->nfactors;
    /* a term's id for now is its place in `term_list`; parse_keys makes it its rank */
    PyObject *id = PyDict_GetItemWithError(term_ids, it[1]);
    if (id == NULL) {
        if (PyErr_Occurred() || !PyUnicode_Check(it[1])) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_TypeError, "Scorer: a term must be a str");
            }
            goto fail;
        }
        id = PyLong_FromSsize_t(PyList_GET_SIZE(term_list));
        if (id == NULL || PyDict_SetItem(term_ids, it[1], id) < 0 || PyList_Append(term_list, it[1]) < 0) {
            Py_XDECREF(id);
            goto fail;
        }
        Py_DECREF(id); /* term_ids holds it */
    }
    pt->term = PyLong_AsSsize_t(id);
    if (!special) {
        int nests = PyObject_IsTrue(it[3]);
        if (nests < 0) {
            goto fail;
        }
        pt->kind = nests ? K_NESTS : K_PLAIN;
    }
    else {
        pt->kind = -1;
        for (int k = K_HEADLINE; k < K_COUNT; k++) {
            if (PyUnicode_Check(it[3]) && PyUnicode_CompareWithASCIIString(it[3], kinds[k]) == 0) {
                pt->kind = k;
            }
        }
        if (pt->kind < 0) {
            PyErr_Format(PyExc_ValueError, "Scorer: unknown pattern kind %R", it[3]);
            goto fail;
        }
    }
    Py_DECREF(f);
    return 0;
fail:
    Py_DECREF(f);
    return -1;
}

/* The automaton keys of the compiled table (`compile_rules`): per key [key, plain, special], plain
 * patterns [code, term, weight, nests], conditional ones [code, term, weight, kind]; `values`
 * maps a weight to its value at each position. Key 0 is the automaton's placeholder keys. */
static int
parse_keys(Scorer *s, PyObject *keys, PyObject *values, PyObject *codes)
{
    int rc = -1;
    Py_ssize_t *rank = NULL;
    PyObject *code_ids = PyDict_New(), *term_ids = PyDict_New(), *weight_ids = PyDict_New();
    PyObject *term_list = PyList_New(0), *sorted = NULL;
    PyObject *fkeys = items(keys, -1, "Scorer: keys must be a sequence");
    if (code_ids == NULL || term_ids == NULL || weight_ids == NULL || term_list == NULL || fkeys == NULL) {
        goto done;
    }
    for (Py_ssize_t c = 0; c < PyTuple_GET_SIZE(codes); c++) {
        PyObject *id = PyLong_FromSsize_t(c);
        if (id == NULL || PyDict_SetItem(code_ids, PyTuple_GET_ITEM(codes, c), id) < 0) {
            Py_XDECREF(id);
            goto done;
        }
        Py_DECREF(id);
    }
    Py_ssize_t pos = 0, w = 0;
    PyObject *weight, *byfactor;
    if (!(s->values = alloc(PyDict_GET_SIZE(values) * s->nfactors, sizeof(double)))) {
        goto done;
    }
    while (PyDict_Next(values, &pos, &weight, &byfactor)) {
        if (!PyTuple_Check(byfactor) || PyTuple_GET_SIZE(byfactor) != s->nfactors) {
            PyErr_SetString(PyExc_TypeError, "Scorer: values must map a weight to a tuple of nfactors floats");
            goto done;
        }
        for (Py_ssize_t f = 0; f < s->nfactors; f++) {
            s->values[w * s->nfactors + f] = PyFloat_AsDouble(PyTuple_GET_ITEM(byfactor, f));
            if (PyErr_Occurred()) {
                goto done;
            }
        }
        PyObject *id = PyLong_FromSsize_t(w++);
        if (id == NULL || PyDict_SetItem(weight_ids, weight, id) < 0) {
            Py_XDECREF(id);
            goto done;
        }
        Py_DECREF(id);
    }

    Py_ssize_t nkeys = PySequence_Fast_GET_SIZE(fkeys) + 1, npatterns = 0;
    PyObject **entries = PySequence_Fast_ITEMS(fkeys);
    for (Py_ssize_t k = 1; k < nkeys; k++) {
        PyObject *entry = entries[k - 1];
        if (!PyList_Check(entry) || PyList_GET_SIZE(entry) != 3 || !PyList_Check(PyList_GET_ITEM(entry, 1))
            || !PyList_Check(PyList_GET_ITEM(entry, 2)) || !PyUnicode_Check(PyList_GET_ITEM(entry, 0))) {
            PyErr_SetString(PyExc_TypeError, "Scorer: a key must be [key, plain patterns, conditional patterns]");
            goto done;
        }
        npatterns += PyList_GET_SIZE(PyList_GET_ITEM(entry, 1)) + PyList_GET_SIZE(PyList_GET_ITEM(entry, 2));
    }
    if (!(s->keys = alloc(nkeys, sizeof(Key))) || !(s->patterns = alloc(npatterns, sizeof(Pattern)))) {
        goto done;
    }
    s->nkeys = nkeys;
    s->keys[0].off = 2; /* " " + letter + U+FFFF */
    Py_ssize_t p = 0;
    for (Py_ssize_t k = 1; k < nkeys; k++) {
        PyObject *entry = entries[k - 1];
        s->keys[k].off = PyUnicode_GET_LENGTH(PyList_GET_ITEM(entry, 0)) - 1;
        s->keys[k].first = p;
        for (int special = 0; special < 2; special++) {
            PyObject *pats = PyList_GET_ITEM(entry, 1 + special);
            for (Py_ssize_t i = 0; i < PyList_GET_SIZE(pats); i++, p++) {
                if (parse_pattern(s, &s->patterns[p], PyList_GET_ITEM(pats, i), special, code_ids, term_ids,
                                  term_list, weight_ids)
                    < 0) {
                    goto done;
                }
            }
        }
        s->keys[k].count = p - s->keys[k].first;
    }

    /* term ids become ranks in string order, which is how Python sorts the evidence terms */
    Py_ssize_t nterms = PyList_GET_SIZE(term_list);
    if ((sorted = PySequence_List(term_list)) == NULL || PyList_Sort(sorted) < 0
        || !(rank = alloc(nterms, sizeof(Py_ssize_t)))) {
        goto done;
    }
    for (Py_ssize_t r = 0; r < nterms; r++) {
        Py_ssize_t t = id_of(term_ids, PyList_GET_ITEM(sorted, r), "term");
        if (t < 0) {
            goto done;
        }
        rank[t] = r;
    }
    for (Py_ssize_t i = 0; i < npatterns; i++) {
        s->patterns[i].term = rank[s->patterns[i].term];
    }
    if ((s->terms = PyList_AsTuple(sorted)) == NULL) {
        goto done;
    }
    rc = 0;
done:
    PyMem_Free(rank);
    Py_XDECREF(code_ids);
    Py_XDECREF(term_ids);
    Py_XDECREF(weight_ids);
    Py_XDECREF(term_list);
    Py_XDECREF(sorted);
    Py_XDECREF(fkeys);
    return rc;
}

static PyObject *
Scorer_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"codes", "labels", "levels", "ancestors", "vias", "minimums", "steady",
                            "keys", "values", "nfactors", "relative_min", "max_explicit", "scale",
                            "scores_cached", NULL};
    PyObject *codes, *labels, *levels, *ancestors, *vias, *minimums, *steady, *keys, *values;
    Py_ssize_t nfactors, max_explicit, scores_cached;
    double relative_min, scale;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!O!O!O!O!O!O!OO!ndndn:Scorer", names,
                                     &PyTuple_Type, &codes, &PyTuple_Type, &labels, &PyTuple_Type,
                                     &levels, &PyTuple_Type, &ancestors, &PyTuple_Type, &vias,
                                     &PyTuple_Type, &minimums, &PyTuple_Type, &steady, &keys,
                                     &PyDict_Type, &values, &nfactors, &relative_min, &max_explicit,
                                     &scale, &scores_cached)) {
        return NULL;
    }
    Py_ssize_t ncodes = PyTuple_GET_SIZE(codes);
    if (nfactors < 1 || max_explicit < 0) {
        PyErr_SetString(PyExc_ValueError, "Scorer: nfactors >= 1 and max_explicit >= 0");
        return NULL;
    }
    if (str_tuple(codes, ncodes, "codes") < 0 || str_tuple(labels, ncodes, "labels") < 0
        || str_tuple(vias, ncodes, "vias") < 0) {
        return NULL;
    }
    if (PyTuple_GET_SIZE(levels) != ncodes || PyTuple_GET_SIZE(ancestors) != ncodes
        || PyTuple_GET_SIZE(minimums) != ncodes || PyTuple_GET_SIZE(steady) != ncodes) {
        PyErr_SetString(PyExc_ValueError, "Scorer: one level, ancestors, minimum and flag per code");
        return NULL;
    }
    Scorer *s = (Scorer *)type->tp_alloc(type, 0);
    if (s == NULL) {
        return NULL;
    }
    s->ncodes = ncodes;
    s->nfactors = nfactors;
    s->max_explicit = max_explicit;
    s->scores_cached = scores_cached;
    s->relative_min = relative_min;
    s->scale = scale;
    Py_INCREF(codes);
    s->codes = codes;
    Py_INCREF(labels);
    s->labels = labels;
    Py_INCREF(vias);
    s->vias = vias;
    s->scores = PyDict_New();
    s->four = PyLong_FromLong(4);
    PyObject *builtins = PyImport_ImportModule("builtins");
    if (builtins != NULL) {
        s->round = PyObject_GetAttrString(builtins, "round");
        Py_DECREF(builtins);
    }
    if (s->scores == NULL || s->four == NULL || s->round == NULL) {
        goto fail;
    }

    /* per code */
    if (!(s->level = alloc(ncodes, sizeof(long))) || !(s->minimum = alloc(ncodes, sizeof(double)))
        || !(s->steady = alloc(ncodes, 1)) || !(s->anc_first = alloc(ncodes, sizeof(Py_ssize_t)))
        || !(s->anc_count = alloc(ncodes, sizeof(Py_ssize_t)))) {
        goto fail;
    }
    Py_ssize_t nanc = 0;
    for (Py_ssize_t c = 0; c < ncodes; c++) {
        PyObject *chain = PyTuple_GET_ITEM(ancestors, c);
        if (!PyTuple_Check(chain)) {
            PyErr_SetString(PyExc_TypeError, "Scorer: ancestors must be tuples of code ids");
            goto fail;
        }
        s->anc_first[c] = nanc;
        s->anc_count[c] = PyTuple_GET_SIZE(chain);
        nanc += s->anc_count[c];
        if (s->anc_count[c] > s->max_depth) {
            s->max_depth = s->anc_count[c];
        }
        s->level[c] = PyLong_AsLong(PyTuple_GET_ITEM(levels, c));
        s->minimum[c] = PyFloat_AsDouble(PyTuple_GET_ITEM(minimums, c));
        int flag = PyObject_IsTrue(PyTuple_GET_ITEM(steady, c));
        if (PyErr_Occurred()) {
            goto fail;
        }
        s->steady[c] = (char)flag;
    }
    if (!(s->ancestors = alloc(nanc, sizeof(Py_ssize_t)))) {
        goto fail;
    }
    for (Py_ssize_t c = 0; c < ncodes; c++) {
        PyObject *chain = PyTuple_GET_ITEM(ancestors, c);
        for (Py_ssize_t a = 0; a < s->anc_count[c]; a++) {
            Py_ssize_t id = index_in(PyTuple_GET_ITEM(chain, a), ncodes, "ancestor");
            if (id < 0) {
                goto fail;
            }
            s->ancestors[s->anc_first[c] + a] = id;
        }
    }

    /* keys: 0 for the automaton's placeholder keys (no pattern), then the table's */
    if (parse_keys(s, keys, values, codes) < 0) {
        goto fail;
    }
    Py_ssize_t nterms = s->nterms = PyTuple_GET_SIZE(s->terms);

    /* scratch */
    /* at most max_explicit kept codes, each with at most max_depth ancestors: that many nodes,
     * and as many codes below one node (a chain that names a node twice adds its code twice) */
    Py_ssize_t nbelow = max_explicit * (s->max_depth > 0 ? s->max_depth : 1);
    if (!(s->lists = alloc(ncodes, sizeof(HitList))) || !(s->unordered = alloc(ncodes, 1))
        || !(s->has_raw = alloc(ncodes, 1)) || !(s->excluded_mark = alloc(ncodes, 1))
        || !(s->raw = alloc(ncodes, sizeof(double))) || !(s->touched = alloc(ncodes, sizeof(Py_ssize_t)))
        || !(s->stamp = alloc(nterms, sizeof(unsigned long)))
        || !(s->count = alloc(nterms, sizeof(Py_ssize_t)))
        || !(s->tv = alloc(nterms, sizeof(TermValue))) || !(s->kept = alloc(ncodes, sizeof(Py_ssize_t)))
        || !(s->sorted_codes = alloc(ncodes + nbelow, sizeof(Py_ssize_t)))
        || !(s->below = alloc(nbelow, sizeof(Below)))
        || !(s->below_codes = alloc(nbelow * nbelow, sizeof(Py_ssize_t)))
        || !(s->rows = alloc(nbelow + max_explicit, sizeof(Row)))) {
        goto fail;
    }
    for (Py_ssize_t b = 0; b < nbelow; b++) {
        s->below[b].codes = &s->below_codes[b * nbelow];
    }
    return (PyObject *)s;
fail:
    Py_DECREF(s);
    return NULL;
}

static PyObject *
Scorer_cached(Scorer *s, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSsize_t(PyDict_GET_SIZE(s->scores));
}

static PyMethodDef Scorer_methods[] = {
    {"tag", (PyCFunction)(void (*)(void))Scorer_tag, METH_FASTCALL,
     "tag(matches, text, parts): topics of one story from the automaton's matches"},
    {"cached", (PyCFunction)Scorer_cached, METH_NOARGS, "number of rounded scores cached"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScorerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "ingest.tag._topics.Scorer",
    .tp_basicsize = sizeof(Scorer),
    .tp_dealloc = (destructor)Scorer_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The compiled topic rules of a TopicMatcher (see ingest.tag.topics).",
    .tp_methods = Scorer_methods,
    .tp_new = Scorer_new,
};

static struct PyModuleDef topics_module = {
    PyModuleDef_HEAD_INIT, .m_name = "ingest.tag._topics",
    .m_doc = "The compiled per-story scorer of ingest.tag.topics.", .m_size = -1,
};

PyMODINIT_FUNC
PyInit__topics(void)
{
    if (PyType_Ready(&ScorerType) < 0) {
        return NULL;
    }
    if (!(k_code = PyUnicode_InternFromString("code")) || !(k_label = PyUnicode_InternFromString("label"))
        || !(k_score = PyUnicode_InternFromString("score")) || !(k_rank = PyUnicode_InternFromString("rank"))
        || !(k_inferred = PyUnicode_InternFromString("inferred"))
        || !(k_evidence = PyUnicode_InternFromString("evidence"))) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&topics_module);
    if (m == NULL) {
        return NULL;
    }
    Py_INCREF(&ScorerType);
    if (PyModule_AddObject(m, "Scorer", (PyObject *)&ScorerType) < 0) {
        Py_DECREF(&ScorerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
