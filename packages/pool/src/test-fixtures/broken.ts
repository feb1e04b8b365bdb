throw new Error('this module cannot load');
