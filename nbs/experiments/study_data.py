"""The three data sets of the experiment scripts in this folder (and of 12_results), by the names their logs use."""
import tempfile
from fmrec_nb.data import load_dataset, read_movielens, test_data, with_side_tables

def study_datasets(min_count: int = 2) -> dict:
    "`{name: () -> Dataset}`: ml-latest-small, ml-100k, and ml-latest-small + the competition's side tables (values on fewer than `min_count` items folded into `<rare>`)."
    return {'ml-latest-small': load_dataset, 'ml-100k': lambda: read_movielens(test_data('ml-100k')),
            'ml-latest-small + side': lambda: with_side_tables(load_dataset(), test_data('boostcamp-movie-side'), tempfile.mkdtemp(), min_count=min_count)}
