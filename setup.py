"""The C extensions of the tagger's hot loops; everything else is in pyproject.toml.

- `ingest.tag._topics`: the topic scorer (`ingest.tag.topics`, tests/test_tag_topics_compiled.py);
- `ingest.tag._entities`: the entity finder's per-story loops (`ingest.tag.find`/`link`).

Both are optional: where no C compiler or Python headers are found (or a source is absent) the build
goes on without them and the modules run their Python code, with the same output.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "ingest.tag._topics",
            ["src/ingest/tag/_topics.c"],
            optional=True,
            extra_compile_args=["-O2"],
        ),
        Extension(
            "ingest.tag._entities",
            ["src/ingest/tag/_entities.c"],
            optional=True,
            extra_compile_args=["-O2"],
        ),
    ]
)
