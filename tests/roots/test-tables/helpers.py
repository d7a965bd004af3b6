def staff():
    return 12
