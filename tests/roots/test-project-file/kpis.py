def staff_count():
    return 14
