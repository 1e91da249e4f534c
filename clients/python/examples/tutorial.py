# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""The tutorial's multiprocessing program, on the broker: two writers and a reader share a queue.

Two lines changed from the original: the import, and the queue is created by name. The
processes are spawned and supervised by the broker; their prints show here as in the original.
"""
from ipcbroker import Process, Queue  # was: from multiprocessing import Process, Queue
import os, time, random


# The writers run this:
def _write(q, urls):
    print('Process(%s) is writing...' % os.getpid())
    for url in urls:
        q.put(url)
        print('Put %s to queue...' % url)
        time.sleep(random.random())


# The reader runs this:
def _read(q):
    print('Process(%s) is reading...' % os.getpid())
    while True:
        url = q.get(True)
        print('Get %s from queue.' % url)


if __name__=='__main__':
    # The parent creates the queue and hands it to each child:
    q = Queue("urls")  # was: q = Queue()
    _writer1 = Process(target=_write, args=(q,['url_1', 'url_2', 'url_3']))
    _writer2 = Process(target=_write, args=(q,['url_4','url_5','url_6']))
    _reader = Process(target=_read, args=(q,))
    # Start the writers:
    _writer1.start()
    _writer2.start()
    # Start the reader:
    _reader.start()
    # Wait for the writers:
    _writer1.join()
    _writer2.join()
    # The reader loops forever; it can only be terminated:
    _reader.terminate()
