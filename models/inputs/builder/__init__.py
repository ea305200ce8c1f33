"""The area builder: one validated area folder per Health and Wellbeing Board area, from public files.

``python -m models areas build --from DIR --out DIR [--only CODE ...]`` (see ``docs/areas.md``).
The inputs layer: pure pandas, never streamlit; imports only :mod:`models.core` and :mod:`models.inputs`.
"""
