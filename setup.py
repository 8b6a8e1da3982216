"""The one C extension: the topic scorer (`ingest.tag._topics`), everything else is in pyproject.toml.

It is optional: where no C compiler or Python headers are found the build goes on without it and
`ingest.tag.topics` scores in Python, with the same output (tests/test_tag_topics_compiled.py).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "ingest.tag._topics",
            ["src/ingest/tag/_topics.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
