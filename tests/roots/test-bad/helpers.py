def explode():
    raise ValueError("the export is empty")


def a_list():
    return [1, 2]
