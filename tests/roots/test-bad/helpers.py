def explode():
    raise ValueError("the export is empty")


def a_list():
    return [1, 2]


def not_a_figure(table):
    return 42


def broken_plot(table):
    raise RuntimeError("no axes today")
