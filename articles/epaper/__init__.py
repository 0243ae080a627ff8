"""The e-paper (电子版): printed pages as images with clickable article regions.

Built from the same Issue/Page/Article records as the rest of the site, so an edit or a
withdrawal shows in the e-paper at once.
"""
