"""The pipeline board: one column per stage, the deals as cards a seller drags from stage to stage, and
each column's count and amounts."""
