module @fuzz {
  simclr.moparametde